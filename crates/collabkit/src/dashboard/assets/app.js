var te,w,Me,St,I,De,Ue,He,me,G,K,Oe,ve,$e,be,Ct,X={},Z=[],Et=/acit|ex(?:s|g|n|p|$)|rph|grid|ows|mnc|ntw|ine[ch]|zoo|^ord|itera/i,oe=Array.isArray;function T(e,t){for(var o in t)e[o]=t[o];return e}function ye(e){e&&e.parentNode&&e.parentNode.removeChild(e)}function ge(e,t,o){var n,s,r,a={};for(r in t)r=="key"?n=t[r]:r=="ref"?s=t[r]:a[r]=t[r];if(arguments.length>2&&(a.children=arguments.length>3?te.call(arguments,2):o),typeof e=="function"&&e.defaultProps!=null)for(r in e.defaultProps)a[r]===void 0&&(a[r]=e.defaultProps[r]);return Y(e,a,n,s,null)}function Y(e,t,o,n,s){var r={type:e,props:t,key:o,ref:n,__k:null,__:null,__b:0,__e:null,__c:null,constructor:void 0,__v:s??++Me,__i:-1,__u:0};return s==null&&w.vnode!=null&&w.vnode(r),r}function ne(e){return e.children}function Q(e,t){this.props=e,this.context=t}function H(e,t){if(t==null)return e.__?H(e.__,e.__i+1):null;for(var o;t<e.__k.length;t++)if((o=e.__k[t])!=null&&o.__e!=null)return o.__e;return typeof e.type=="function"?H(e):null}function Pt(e){if(e.__P&&e.__d){var t=e.__v,o=t.__e,n=[],s=[],r=T({},t);r.__v=t.__v+1,w.vnode&&w.vnode(r),we(e.__P,r,t,e.__n,e.__P.namespaceURI,32&t.__u?[o]:null,n,o??H(t),!!(32&t.__u),s),r.__v=t.__v,r.__.__k[r.__i]=r,je(n,r,s),t.__e=t.__=null,r.__e!=o&&Fe(r)}}function Fe(e){if((e=e.__)!=null&&e.__c!=null)return e.__e=e.__c.base=null,e.__k.some(function(t){if(t!=null&&t.__e!=null)return e.__e=e.__c.base=t.__e}),Fe(e)}function Te(e){(!e.__d&&(e.__d=!0)&&I.push(e)&&!ee.__r++||De!=w.debounceRendering)&&((De=w.debounceRendering)||Ue)(ee)}function ee(){try{for(var e,t=1;I.length;)I.length>t&&I.sort(He),e=I.shift(),t=I.length,Pt(e)}finally{I.length=ee.__r=0}}function Be(e,t,o,n,s,r,a,c,u,l,_){var h,i,p,m,v,y,g=n&&n.__k||Z,f=t.length;for(u=Nt(o,t,g,u,f),h=0;h<f;h++)(p=o.__k[h])!=null&&(i=p.__i!=-1&&g[p.__i]||X,p.__i=h,y=we(e,p,i,s,r,a,c,u,l,_),m=p.__e,p.ref&&i.ref!=p.ref&&(i.ref&&ke(i.ref,null,p),_.push(p.ref,p.__c||m,p)),v==null&&m!=null&&(v=m),4&p.__u?(u=Ke(p,u,e),i.__e&&(i.__e=null)):typeof p.type=="function"&&y!==void 0?u=y:m&&(u=m.nextSibling),p.__u&=-7);return o.__e=v,u}function Nt(e,t,o,n,s){var r,a,c,u,l,_=o.length,h=_,i=0;for(e.__k=new Array(s),r=0;r<s;r++)(a=t[r])!=null&&typeof a!="boolean"&&typeof a!="function"?(typeof a=="string"||typeof a=="number"||typeof a=="bigint"||a.constructor==String?a=e.__k[r]=Y(null,a,null,null,null):oe(a)?a=e.__k[r]=Y(ne,{children:a},null,null,null):a.constructor===void 0&&a.__b>0?a=e.__k[r]=Y(a.type,a.props,a.key,a.ref?a.ref:null,a.__v):e.__k[r]=a,u=r+i,a.__=e,a.__b=e.__b+1,c=null,(l=a.__i=Wt(a,o,u,h))!=-1&&(h--,(c=o[l])&&(c.__u|=2)),c==null||c.__v==null?(l==-1&&(s>_?i--:s<_&&i++),typeof a.type!="function"&&(a.__u|=4)):l!=u&&(l==u-1?i--:l==u+1?i++:(l>u?i--:i++,a.__u|=4))):e.__k[r]=null;if(h)for(r=0;r<_;r++)(c=o[r])!=null&&(2&c.__u)==0&&(c.__e==n&&(n=H(c)),Je(c,c));return n}function Ke(e,t,o){var n,s;if(typeof e.type=="function"){for(n=e.__k,s=0;n&&s<n.length;s++)n[s]&&(n[s].__=e,t=Ke(n[s],t,o));return t}e.__e!=t&&(t&&e.type&&!t.parentNode&&(t=H(e)),t=o.insertBefore(e.__e,t||null));do t=t&&t.nextSibling;while(t!=null&&t.nodeType==8);return t}function Wt(e,t,o,n){var s,r,a,c=e.key,u=e.type,l=t[o],_=l!=null&&(2&l.__u)==0;if(l===null&&c==null||_&&c==l.key&&u==l.type)return o;if(n>(_?1:0)){for(s=o-1,r=o+1;s>=0||r<t.length;)if((l=t[a=s>=0?s--:r++])!=null&&(2&l.__u)==0&&c==l.key&&u==l.type)return a}return-1}function Ie(e,t,o){t[0]=="-"?e.setProperty(t,o??""):e[t]=o==null?"":typeof o!="number"||Et.test(t)?o:o+"px"}function z(e,t,o,n,s){var r,a;e:if(t=="style")if(typeof o=="string")e.style.cssText=o;else{if(typeof n=="string"&&(e.style.cssText=n=""),n)for(t in n)o&&t in o||Ie(e.style,t,"");if(o)for(t in o)n&&o[t]==n[t]||Ie(e.style,t,o[t])}else if(t[0]=="o"&&t[1]=="n")r=t!=(t=t.replace(Oe,"$1")),a=t.toLowerCase(),t=a in e||t=="onFocusOut"||t=="onFocusIn"?a.slice(2):t.slice(2),e.l||(e.l={}),e.l[t+r]=o,o?n?o[K]=n[K]:(o[K]=ve,e.addEventListener(t,r?be:$e,r)):e.removeEventListener(t,r?be:$e,r);else{if(s=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{e[t]=o??"";break e}catch{}typeof o=="function"||(o==null||o===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&o==1?"":o))}}function Le(e){return function(t){if(this.l){var o=this.l[t.type+e];if(t[G]==null)t[G]=ve++;else if(t[G]<o[K])return;return o(w.event?w.event(t):t)}}}function we(e,t,o,n,s,r,a,c,u,l){var _,h,i,p,m,v,y,g,f,x,b,C,R,O,U,fe,A=t.type;if(t.constructor!==void 0)return null;128&o.__u&&(u=!!(32&o.__u),r=[c=t.__e=o.__e]),(_=w.__b)&&_(t);e:if(typeof A=="function"){h=a.length;try{if(f=t.props,x=A.prototype&&A.prototype.render,b=(_=A.contextType)&&n[_.__c],C=_?b?b.props.value:_.__:n,o.__c?g=(i=t.__c=o.__c).__=i.__E:(x?t.__c=i=new A(f,C):(t.__c=i=new Q(f,C),i.constructor=A,i.render=At),b&&b.sub(i),i.state||(i.state={}),i.__n=n,p=i.__d=!0,i.__h=[],i._sb=[]),x&&i.__s==null&&(i.__s=i.state),x&&A.getDerivedStateFromProps!=null&&(i.__s==i.state&&(i.__s=T({},i.__s)),T(i.__s,A.getDerivedStateFromProps(f,i.__s))),m=i.props,v=i.state,i.__v=t,p)x&&A.getDerivedStateFromProps==null&&i.componentWillMount!=null&&i.componentWillMount(),x&&i.componentDidMount!=null&&i.__h.push(i.componentDidMount);else{if(x&&A.getDerivedStateFromProps==null&&f!==m&&i.componentWillReceiveProps!=null&&i.componentWillReceiveProps(f,C),t.__v==o.__v||!i.__e&&i.shouldComponentUpdate!=null&&i.shouldComponentUpdate(f,i.__s,C)===!1){t.__v!=o.__v&&(i.props=f,i.state=i.__s,i.__d=!1),t.__e=o.__e,t.__k=o.__k,t.__k.some(function(F){F&&(F.__=t)}),Z.push.apply(i.__h,i._sb),i._sb=[],i.__h.length&&a.push(i),c=H(o);break e}i.componentWillUpdate!=null&&i.componentWillUpdate(f,i.__s,C),x&&i.componentDidUpdate!=null&&i.__h.push(function(){i.componentDidUpdate(m,v,y)})}if(i.context=C,i.props=f,i.__P=e,i.__e=!1,R=w.__r,O=0,x)i.state=i.__s,i.__d=!1,R&&R(t),_=i.render(i.props,i.state,i.context),Z.push.apply(i.__h,i._sb),i._sb=[];else do i.__d=!1,R&&R(t),_=i.render(i.props,i.state,i.context),i.state=i.__s;while(i.__d&&++O<25);i.state=i.__s,i.getChildContext!=null&&(n=T(T({},n),i.getChildContext())),x&&!p&&i.getSnapshotBeforeUpdate!=null&&(y=i.getSnapshotBeforeUpdate(m,v)),U=_!=null&&_.type===ne&&_.key==null?Ve(_.props.children):_,c=Be(e,oe(U)?U:[U],t,o,n,s,r,a,c,u,l),i.base=t.__e,t.__u&=-161,i.__h.length&&a.push(i),g&&(i.__E=i.__=null)}catch(F){if(a.length=h,t.__v=null,u||r!=null){if(F.then){for(t.__u|=u?160:128;c&&c.nodeType==8&&c.nextSibling;)c=c.nextSibling;r!=null&&(r[r.indexOf(c)]=null),t.__e=c}else if(r!=null)for(fe=r.length;fe--;)ye(r[fe])}else t.__e=o.__e;t.__k==null&&(t.__k=o.__k||[]),F.then||qe(t),w.__e(F,t,o)}}else r==null&&t.__v==o.__v?(t.__k=o.__k,t.__e=o.__e):c=t.__e=Rt(o.__e,t,o,n,s,r,a,u,l);return(_=w.diffed)&&_(t),128&t.__u?void 0:c}function qe(e){e&&(e.__c&&(e.__c.__e=!0),e.__k&&e.__k.some(qe))}function je(e,t,o){for(var n=0;n<o.length;n++)ke(o[n],o[++n],o[++n]);w.__c&&w.__c(t,e),e.some(function(s){try{e=s.__h,s.__h=[],e.some(function(r){r.call(s)})}catch(r){w.__e(r,s.__v)}})}function Ve(e){return typeof e!="object"||e==null||e.__b>0?e:oe(e)?e.map(Ve):e.constructor!==void 0?null:T({},e)}function Rt(e,t,o,n,s,r,a,c,u){var l,_,h,i,p,m,v,y=o.props||X,g=t.props,f=t.type;if(f=="svg"?s="http://www.w3.org/2000/svg":f=="math"?s="http://www.w3.org/1998/Math/MathML":s||(s="http://www.w3.org/1999/xhtml"),r!=null){for(l=0;l<r.length;l++)if((p=r[l])&&"setAttribute"in p==!!f&&(f?p.localName==f:p.nodeType==3)){e=p,r[l]=null;break}}if(e==null){if(f==null)return document.createTextNode(g);e=document.createElementNS(s,f,g.is&&g),c&&(w.__m&&w.__m(t,r),c=!1),r=null}if(f==null)y===g||c&&e.data==g||(e.data=g);else{if(r=f=="textarea"&&g.defaultValue!=null?null:r&&te.call(e.childNodes),!c&&r!=null)for(y={},l=0;l<e.attributes.length;l++)y[(p=e.attributes[l]).name]=p.value;for(l in y)p=y[l],l=="dangerouslySetInnerHTML"?h=p:l=="children"||l in g||l=="value"&&"defaultValue"in g||l=="checked"&&"defaultChecked"in g||z(e,l,null,p,s);for(l in g)p=g[l],l=="children"?i=p:l=="dangerouslySetInnerHTML"?_=p:l=="value"?m=p:l=="checked"?v=p:c&&typeof p!="function"||y[l]===p||z(e,l,p,y[l],s);if(_)c||h&&(_.__html==h.__html||_.__html==e.innerHTML)||(e.innerHTML=_.__html),t.__k=[];else if(h&&(e.innerHTML=""),Be(t.type=="template"?e.content:e,oe(i)?i:[i],t,o,n,f=="foreignObject"?"http://www.w3.org/1999/xhtml":s,r,a,r?r[0]:o.__k&&H(o,0),c,u),r!=null)for(l=r.length;l--;)ye(r[l]);c&&f!="textarea"||(l="value",f=="progress"&&m==null?e.removeAttribute("value"):m!=null&&(m!==e[l]||f=="progress"&&!m||f=="option"&&m!=y[l])&&z(e,l,m,y[l],s),l="checked",v!=null&&v!=e[l]&&z(e,l,v,y[l],s))}return e}function ke(e,t,o){try{if(typeof e=="function"){var n=typeof e.__u=="function";n&&e.__u(),n&&t==null||(e.__u=e(t))}else e.current=t}catch(s){w.__e(s,o)}}function Je(e,t,o){var n,s;if(w.unmount&&w.unmount(e),(n=e.ref)&&(n.current&&n.current!=e.__e||ke(n,null,t)),(n=e.__c)!=null){if(n.componentWillUnmount)try{n.componentWillUnmount()}catch(r){w.__e(r,t)}n.base=n.__P=n.__n=null}if(n=e.__k)for(s=0;s<n.length;s++)n[s]&&Je(n[s],t,o||typeof e.type!="function");o||ye(e.__e),e.__c=e.__=e.__e=void 0}function At(e,t,o){return this.constructor(e,o)}function ze(e,t,o){var n,s,r,a;t==document&&(t=document.documentElement),w.__&&w.__(e,t),s=(n=typeof o=="function")?null:o&&o.__k||t.__k,r=[],a=[],we(t,e=(!n&&o||t).__k=ge(ne,null,[e]),s||X,X,t.namespaceURI,!n&&o?[o]:s?null:t.firstChild?te.call(t.childNodes):null,r,!n&&o?o:s?s.__e:t.firstChild,n,a),je(r,e,a),e.props.children=null}te=Z.slice,w={__e:function(e,t,o,n){for(var s,r,a;t=t.__;)if((s=t.__c)&&!s.__)try{if((r=s.constructor)&&r.getDerivedStateFromError!=null&&(s.setState(r.getDerivedStateFromError(e)),a=s.__d),s.componentDidCatch!=null&&(s.componentDidCatch(e,n||{}),a=s.__d),a)return s.__E=s}catch(c){e=c}throw e}},Me=0,St=function(e){return e!=null&&e.constructor===void 0},Q.prototype.setState=function(e,t){var o;o=this.__s!=null&&this.__s!=this.state?this.__s:this.__s=T({},this.state),typeof e=="function"&&(e=e(T({},o),this.props)),e&&T(o,e),e!=null&&this.__v&&(t&&this._sb.push(t),Te(this))},Q.prototype.forceUpdate=function(e){this.__v&&(this.__e=!0,e&&this.__h.push(e),Te(this))},Q.prototype.render=ne,I=[],Ue=typeof Promise=="function"?Promise.prototype.then.bind(Promise.resolve()):setTimeout,He=function(e,t){return e.__v.__b-t.__v.__b},ee.__r=0,me=Math.random().toString(8),G="__d"+me,K="__a"+me,Oe=/(PointerCapture)$|Capture$/i,ve=0,$e=Le(!1),be=Le(!0),Ct=0;var q,k,xe,Ge,j=0,nt=[],S=w,Ye=S.__b,Qe=S.__r,Xe=S.diffed,Ze=S.__c,et=S.unmount,tt=S.__;function Ce(e,t){S.__h&&S.__h(k,e,j||t),j=0;var o=k.__H||(k.__H={__:[],__h:[]});return e>=o.__.length&&o.__.push({}),o.__[e]}function $(e){return j=1,Dt(at,e)}function Dt(e,t,o){var n=Ce(q++,2);if(n.t=e,!n.__c&&(n.__=[o?o(t):at(void 0,t),function(c){var u=n.__N?n.__N[0]:n.__[0],l=n.t(u,c);u!==l&&(n.__N=[l,n.__[1]],n.__c.setState({}))}],n.__c=k,!k.__f)){var s=function(c,u,l){if(!n.__c.__H)return!0;var _=!1,h=n.__c.props!==c;if(n.__c.__H.__.some(function(p){if(p.__N){_=!0;var m=p.__[0];p.__=p.__N,p.__N=void 0,m!==p.__[0]&&(h=!0)}}),r){var i=r.call(this,c,u,l);return _?i||h:i}return!_||h};k.__f=!0;var r=k.shouldComponentUpdate,a=k.componentWillUpdate;k.componentWillUpdate=function(c,u,l){if(this.__e){var _=r;r=void 0,s(c,u,l),r=_}a&&a.call(this,c,u,l)},k.shouldComponentUpdate=s}return n.__N||n.__}function W(e,t){var o=Ce(q++,3);!S.__s&&st(o.__H,t)&&(o.__=e,o.u=t,k.__H.__h.push(o))}function se(e){return j=5,ae(function(){return{current:e}},[])}function ae(e,t){var o=Ce(q++,7);return st(o.__H,t)&&(o.__=e(),o.__H=t,o.__h=e),o.__}function rt(e,t){return j=8,ae(function(){return e},t)}function Tt(){for(var e;e=nt.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(re),t.__h.some(Se),t.__h=[]}catch(o){t.__h=[],S.__e(o,e.__v)}}}S.__b=function(e){k=null,Ye&&Ye(e)},S.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),tt&&tt(e,t)},S.__r=function(e){Qe&&Qe(e),q=0;var t=(k=e.__c).__H;t&&(xe===k?(t.__h=[],k.__h=[],t.__.some(function(o){o.__N&&(o.__=o.__N),o.u=o.__N=void 0})):(t.__h.some(re),t.__h.some(Se),t.__h=[],q=0)),xe=k},S.diffed=function(e){Xe&&Xe(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&(nt.push(t)!==1&&Ge===S.requestAnimationFrame||((Ge=S.requestAnimationFrame)||It)(Tt)),t.__H.__.some(function(o){o.u&&(o.__H=o.u,o.u=void 0)})),xe=k=null},S.__c=function(e,t){t.some(function(o){try{o.__h.some(re),o.__h=o.__h.filter(function(n){return!n.__||Se(n)})}catch(n){t.some(function(s){s.__h&&(s.__h=[])}),t=[],S.__e(n,o.__v)}}),Ze&&Ze(e,t)},S.unmount=function(e){et&&et(e);var t,o=e.__c;o&&o.__H&&(o.__H.__.some(function(n){try{re(n)}catch(s){t=s}}),o.__H=void 0,t&&S.__e(t,o.__v))};var ot=typeof requestAnimationFrame=="function";function It(e){var t,o=function(){clearTimeout(n),ot&&cancelAnimationFrame(t),setTimeout(e)},n=setTimeout(o,35);ot&&(t=requestAnimationFrame(o))}function re(e){var t=k,o=e.__c;typeof o=="function"&&(e.__c=void 0,o()),k=t}function Se(e){var t=k;e.__c=e.__(),k=t}function st(e,t){return!e||e.length!==t.length||t.some(function(o,n){return o!==e[n]})}function at(e,t){return typeof t=="function"?t(e):t}var it=function(e,t,o,n){var s;t[0]=0;for(var r=1;r<t.length;r++){var a=t[r++],c=t[r]?(t[0]|=a?1:2,o[t[r++]]):t[++r];a===3?n[0]=c:a===4?n[1]=Object.assign(n[1]||{},c):a===5?(n[1]=n[1]||{})[t[++r]]=c:a===6?n[1][t[++r]]+=c+"":a?(s=e.apply(c,it(e,c,o,["",null])),n.push(s),c[0]?t[0]|=2:(t[r-2]=0,t[r]=s)):n.push(c)}return n},lt=new Map;function ct(e){var t=lt.get(this);return t||(t=new Map,lt.set(this,t)),(t=it(this,t.get(e)||(t.set(e,t=(function(o){for(var n,s,r=1,a="",c="",u=[0],l=function(i){r===1&&(i||(a=a.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?u.push(0,i,a):r===3&&(i||a)?(u.push(3,i,a),r=2):r===2&&a==="..."&&i?u.push(4,i,0):r===2&&a&&!i?u.push(5,0,!0,a):r>=5&&((a||!i&&r===5)&&(u.push(r,0,a,s),r=6),i&&(u.push(r,i,0,s),r=6)),a=""},_=0;_<o.length;_++){_&&(r===1&&l(),l(_));for(var h=0;h<o[_].length;h++)n=o[_][h],r===1?n==="<"?(l(),u=[u],r=3):a+=n:r===4?a==="--"&&n===">"?(r=1,a=""):a=n+a[0]:c?n===c?c="":a+=n:n==='"'||n==="'"?c=n:n===">"?(l(),r=1):r&&(n==="="?(r=5,s=a,a=""):n==="/"&&(r<5||o[_][h+1]===">")?(l(),r===3&&(u=u[0]),r=u,(u=u[0]).push(2,0,r),r=0):n===" "||n==="	"||n===`
`||n==="\r"?(l(),r=2):a+=n),r===3&&a==="!--"&&(r=4,u=u[0])}return l(),u})(e)),t),arguments,[])).length>1?t:t[0]}var d=ct.bind(ge);var V=["participant.joined","participant.left","session.started","session.closed","user.created","user.updated","user.deleted"];var J=class extends Error{constructor(t,o,n){super(n),this.status=t,this.code=o}},Lt="The server could not be reached. Is `collabkit serve` still running at this address?";function Mt(e,t){let o=new TextEncoder().encode(`${e}:${t}`),n="";for(let s of o)n+=String.fromCharCode(s);return btoa(n)}function Ee(e,t,o){let n=`/v1/accounts/${encodeURIComponent(e)}`,s={authorization:`Bearer ${Mt(e,t)}`};async function r(a,c,u){let l;try{l=await fetch(n+c,{method:a,headers:u===void 0?s:{...s,"content-type":"application/json"},body:u===void 0?void 0:JSON.stringify(u)})}catch{throw new J(0,"unreachable",Lt)}if(l.status===204)return null;let _=null;try{_=await l.json()}catch{}if(!l.ok){let h=_?.error,i=new J(l.status,h?.code??"http_error",h?.message??`The server answered ${l.status} ${l.statusText}.`);throw l.status===401&&o&&o(i),i}return _?.data}return{accountId:e,get:a=>r("GET",a),post:(a,c)=>r("POST",a,c??{}),patch:(a,c)=>r("PATCH",a,c),del:a=>r("DELETE",a),follow(a,c){let u=!1,l=null,_=null;return(async()=>{let h=500;for(;!u;){l=new AbortController;try{let i=new URLSearchParams(a);_&&i.set("cursor",_);let p=await fetch(`${n}/events/stream?${i}`,{headers:s,signal:l.signal});if(!p.ok||!p.body)throw new Error(`stream answered ${p.status}`);h=500;let m=p.body.pipeThrough(new TextDecoderStream).getReader(),v="";for(;;){let{value:y,done:g}=await m.read();if(g)break;v+=y;let f;for(;(f=v.indexOf(`

`))>=0;){let x=v.slice(0,f);v=v.slice(f+2);let b={};for(let C of x.split(`
`)){let R=C.indexOf(":");if(R<=0)continue;let O=C.slice(0,R),U=C.slice(R+1).replace(/^ /,"");b[O]=b[O]?`${b[O]}
${U}`:U}if(b.id&&(_=b.id),b.data)try{c(JSON.parse(b.data))}catch{}}}}catch{}if(u)break;await new Promise(i=>setTimeout(i,h)),h=Math.min(h*2,1e4)}})(),()=>{u=!0,l?.abort()}}}}async function ut(e,t){let o=Ee(e,t);try{await o.get("/webhooks?limit=1")}catch(n){throw n.status===401||n.status===403||n.status===404?new J(n.status,n.code,"That account id and API key do not match. Check both (the key was printed once when the account was created; `collabkit accounts rotate-key` makes a new one)."):n}return o}function E(e,t,o){let[n,s]=$({data:void 0,error:null}),r=se(e);r.current=e;let a=rt(async()=>{try{let c=await r.current();s({data:c,error:null})}catch(c){s(u=>({data:u.data,error:c}))}},[]);return W(()=>{if(s({data:void 0,error:null}),a(),!o)return;let c=setInterval(()=>{document.visibilityState==="visible"&&a()},o);return()=>clearInterval(c)},t),{...n,reload:a}}function P({error:e}){return e?d`<p class="error" role="alert">${e.message}</p>`:null}function dt({status:e}){let t={success:"Succeeded",failed:"Failed",pending:"Pending"}[e]??e;return d`<span class="badge badge-${e}">${t}</span>`}function D({children:e}){return d`<div class="empty">${e}</div>`}function le({secret:e,title:t,onDone:o}){let[n,s]=$(!1),r=se(null);return d`
    <section class="secret" role="alert" aria-labelledby="secret-title">
      <h3 id="secret-title">${t}</h3>
      <p><strong>Copy this signing secret now: it is shown only once.</strong> Your receiver
        needs it to check signatures; if you lose it, rotate the secret to get a new one.</p>
      <div class="secret-row">
        <code ref=${r} data-testid="secret">${e}</code>
        <button type="button" onClick=${async()=>{try{await navigator.clipboard.writeText(e),s(!0)}catch{let c=document.createRange();c.selectNodeContents(r.current);let u=window.getSelection();u.removeAllRanges(),u.addRange(c)}}}>${n?"Copied":"Copy secret"}</button>
      </div>
      <p class="muted" aria-live="polite">${n?"The secret is on your clipboard.":""}</p>
      <button type="button" class="secondary" onClick=${o}>I have stored it</button>
    </section>`}function Pe({open:e,title:t,children:o,confirmLabel:n,onConfirm:s,onCancel:r}){let a=se(null);return W(()=>{let c=a.current;c&&(e&&!c.open&&c.showModal(),!e&&c.open&&c.close())},[e]),d`
    <dialog ref=${a} aria-labelledby="confirm-title" onCancel=${c=>{c.preventDefault(),r()}}>
      <h3 id="confirm-title">${t}</h3>
      <div>${o}</div>
      <div class="actions">
        <button type="button" class="secondary" onClick=${r}>Cancel</button>
        <button type="button" class="danger" onClick=${s}>${n}</button>
      </div>
    </dialog>`}var Ut=new Intl.DateTimeFormat(void 0,{year:"numeric",month:"short",day:"numeric",hour:"2-digit",minute:"2-digit",second:"2-digit"}),Ht=new Intl.DateTimeFormat(void 0,{hour:"2-digit",minute:"2-digit"}),B=e=>e?Ut.format(new Date(e)):"\u2014",ie=e=>Ht.format(new Date(e));function Ne(e){if(!e)return"never";let t=Math.round((Date.now()-new Date(e).getTime())/1e3);return t<60?"just now":t<3600?`${Math.floor(t/60)} min ago`:t<86400?`${Math.floor(t/3600)} h ago`:`${Math.floor(t/86400)} d ago`}var ce=e=>e==null?"\u2014":`${(e*100).toFixed(e>=.999||e===0?0:1)} %`,L=e=>e==null?"\u2014":e>=1e3?`${(e/1e3).toFixed(e>=1e4?0:1)} s`:`${e} ms`;function ue(e){try{return JSON.stringify(JSON.parse(e),null,2)}catch{return e}}function _t(e){let t=o=>String(o).padStart(2,"0");return`${e.getFullYear()}-${t(e.getMonth()+1)}-${t(e.getDate())}T${t(e.getHours())}:${t(e.getMinutes())}`}var de=160,N={left:44,right:8,top:10,bottom:22},M=de-N.top-N.bottom,pt="(max-width: 600px)";function ht(){let[e,t]=$(()=>matchMedia(pt).matches);W(()=>{let n=matchMedia(pt),s=()=>t(n.matches);return n.addEventListener("change",s),()=>n.removeEventListener("change",s)},[]);let o=e?360:600;return[o,o-N.left-N.right]}function ft(e){if(e<=4)return 4;let t=10**Math.floor(Math.log10(e));for(let o of[1,2,2.5,5,10])if(o*t>=e)return o*t;return 10*t}function mt({W:e,plotW:t,minutes:o,max:n,unit:s}){let r=[0,n/2,n],a=Math.max(1,Math.round(o.length/(e<600?3:4)));return d`
    <g class="axis" aria-hidden="true">
      ${r.map(c=>{let u=N.top+M-c/n*M;return d`<line x1=${N.left} x2=${e-N.right} y1=${u} y2=${u} class="grid" />
          <text x=${N.left-6} y=${u+4} text-anchor="end">${s(c)}</text>`})}
      ${o.map((c,u)=>u%a===0?d`<text x=${N.left+(u+.5)*(t/o.length)} y=${de-6} text-anchor="middle">${ie(c.start)}</text>`:null)}
    </g>`}function _e({minutes:e}){let[t,o]=ht();if(!e)return d`<div class="chart chart-placeholder" aria-busy="true"></div>`;let n=e.reduce((l,_)=>l+_.succeeded,0),s=e.reduce((l,_)=>l+_.failed,0),r=ft(Math.max(...e.map(l=>l.succeeded+l.failed))),a=o/e.length,c=l=>l/r*M,u=`Attempts per minute over the last ${e.length} minutes: ${n} succeeded, ${s} failed.`;return d`
    <figure class="chart">
      <svg viewBox="0 0 ${t} ${de}" role="img" aria-label=${u}>
        <${mt} W=${t} plotW=${o} minutes=${e} max=${r} unit=${l=>String(Math.round(l))} />
        ${e.map((l,_)=>{let h=N.left+_*a+a*.15,i=c(l.succeeded),p=c(l.failed),m=N.top+M;return d`<g>
            <title>${ie(l.start)}: ${l.succeeded} succeeded, ${l.failed} failed</title>
            ${l.succeeded?d`<rect class="ok" x=${h} width=${a*.7} y=${m-i} height=${i} />`:null}
            ${l.failed?d`<rect class="fail" x=${h} width=${a*.7} y=${m-i-p} height=${p} />`:null}
          </g>`})}
      </svg>
      <figcaption>
        <span class="key ok"></span> succeeded (${n}) <span class="key fail"></span> failed (${s})
      </figcaption>
    </figure>`}function pe({minutes:e}){let[t,o]=ht();if(!e)return d`<div class="chart chart-placeholder" aria-busy="true"></div>`;let n=e.flatMap(l=>[l.p50_ms,l.p99_ms]).filter(l=>l!=null),s=ft(Math.max(1,...n)),r=o/e.length,a=l=>{let _="",h=!1;return e.forEach((i,p)=>{let m=i[l];if(m==null){h=!1;return}let v=N.left+(p+.5)*r,y=N.top+M-m/s*M;_+=`${h?"L":"M"}${v.toFixed(1)},${y.toFixed(1)}`,h=!0}),_},c=[...e].reverse().find(l=>l.p50_ms!=null),u=c?`Attempt latency: latest minute with attempts p50 ${L(c.p50_ms)}, p99 ${L(c.p99_ms)}.`:"Attempt latency: no attempts in this window.";return d`
    <figure class="chart">
      <svg viewBox="0 0 ${t} ${de}" role="img" aria-label=${u}>
        <${mt} W=${t} plotW=${o} minutes=${e} max=${s} unit=${l=>L(Math.round(l))} />
        <path class="p99" d=${a("p99_ms")} />
        <path class="p50" d=${a("p50_ms")} />
        ${e.map((l,_)=>l.p50_ms==null?null:d`<circle class="p99" cx=${N.left+(_+.5)*r} cy=${N.top+M-l.p99_ms/s*M} r="2.5"><title>${ie(l.start)}: p50 ${L(l.p50_ms)}, p99 ${L(l.p99_ms)}</title></circle>`)}
      </svg>
      <figcaption><span class="key p50"></span> p50 <span class="key p99"></span> p99</figcaption>
    </figure>`}function he({api:e,initial:t,submitLabel:o,onSubmit:n,onCancel:s}){let[r,a]=$(t?.url??""),[c,u]=$(t?.events??["user.created"]),[l,_]=$(t?.room_id??""),[h,i]=$(t?.enabled??!0),[p,m]=$(null),[v,y]=$(!1),g=E(()=>e.get("/rooms?limit=200"),[e]),f=b=>u(C=>C.includes(b)?C.filter(R=>R!==b):[...C,b]);return d`
    <form class="panel form" onSubmit=${async b=>{if(b.preventDefault(),c.length===0){m(new Error("Pick at least one event."));return}y(!0),m(null);try{await n({url:r.trim(),events:c,room_id:l||null,enabled:h})}catch(C){m(C)}finally{y(!1)}}} aria-busy=${v}>
      <label for="wh-url">Receiver URL</label>
      <input id="wh-url" type="url" required placeholder="https://example.com/webhooks/collabkit"
        value=${r} onInput=${b=>a(b.target.value)} />
      <fieldset>
        <legend>Events</legend>
        <div class="checks">
          ${V.map(b=>d`<label class="check">
              <input type="checkbox" checked=${c.includes(b)} onChange=${()=>f(b)} />
              <code>${b}</code>
            </label>`)}
        </div>
      </fieldset>
      <label for="wh-room">Room</label>
      <select id="wh-room" value=${l} onChange=${b=>_(b.target.value)}>
        <option value="">Every room of the account</option>
        ${(g.data?.rooms??[]).map(b=>d`<option value=${b.id}>${b.name} (${b.customId})</option>`)}
        ${l&&!(g.data?.rooms??[]).some(b=>b.id===l)?d`<option value=${l}>${l}</option>`:null}
      </select>
      <label class="check">
        <input type="checkbox" checked=${h} onChange=${b=>i(b.target.checked)} />
        Enabled (deliveries are sent)
      </label>
      <${P} error=${p} />
      <div class="actions">
        ${s?d`<button type="button" class="secondary" onClick=${s}>Cancel</button>`:null}
        <button type="submit" disabled=${v}>${o}</button>
      </div>
    </form>`}function We({health:e}){return!e||e.last_outcome==null?d`<span class="muted">No attempts in 24 h</span>`:e.last_outcome==="failed"?d`<span class="badge badge-failed">Failing</span> <span class="muted">since ${Ne(e.failing_since)}</span>`:d`<span class="badge badge-success">Succeeded</span> <span class="muted">${Ne(e.last_attempt_minute)}</span>`}function Re({api:e,reloadKey:t}){let o=E(async()=>{let[n,s]=await Promise.all([e.get("/webhooks?limit=200"),e.get("/stats/webhooks")]),r=new Map(s.webhooks.map(a=>[a.webhook_id,a]));return n.webhooks.map(a=>({...a,health:r.get(a.id)}))},[e,t],1e4);return o.data===void 0&&!o.error?d`<div class="table-placeholder" aria-busy="true">Loading webhooks…</div>`:o.data?.length===0?d`<${D}>
      <p>No webhooks yet. Register a URL and CollabKit will send it signed events as they happen.</p>
      <a class="button" href="#/webhooks/new">Create a webhook</a>
    <//>`:d`
    <${P} error=${o.error} />
    <div class="table-wrap">
      <table class="cards">
        <caption class="visually-hidden">Webhooks with their latest outcome and success rate</caption>
        <thead><tr><th scope="col">Receiver</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Latest attempt</th><th scope="col">Success (24 h)</th></tr></thead>
        <tbody>
          ${(o.data??[]).map(n=>d`<tr>
              <td class="url"><a href=${`#/webhooks/${n.id}`}>${n.url}</a>${n.room_id?d`<div class="muted">room ${n.room_id}</div>`:null}</td>
              <td data-label="Events">${n.events.length===7?"all 7":n.events.join(", ")}</td>
              <td data-label="Status">${n.enabled?d`<span class="badge badge-on">Enabled</span>`:d`<span class="badge badge-off">Disabled</span>`}</td>
              <td data-label="Latest attempt"><${We} health=${n.health} /></td>
              <td data-label="Success (24 h)">${ce(n.health?.success_rate_24h)} <span class="muted">${n.health?.attempts_24h?`of ${n.health.attempts_24h}`:""}</span></td>
            </tr>`)}
        </tbody>
      </table>
    </div>`}function $t({api:e,creating:t}){let[o,n]=$(null),[s,r]=$(0),a=async c=>{let u=await e.post("/webhooks",c);n(u.webhook),r(l=>l+1),location.hash="#/webhooks"};return d`
    <div class="title-row">
      <h1>Webhooks</h1>
      ${t?null:d`<a class="button" href="#/webhooks/new">New webhook</a>`}
    </div>
    ${o?d`<${le} title=${`Webhook created for ${o.url}`} secret=${o.secret} onDone=${()=>n(null)} />`:null}
    ${t?d`<section aria-labelledby="new-title"><h2 id="new-title">New webhook</h2>
          <${he} api=${e} submitLabel="Create webhook" onSubmit=${a} onCancel=${()=>location.hash="#/webhooks"} />
        </section>`:null}
    <${Re} api=${e} reloadKey=${s} />`}function bt({api:e}){let t=E(()=>e.get("/stats/deliveries?minutes=60"),[e],1e4);return d`
    <h1>Overview</h1>
    <section aria-labelledby="charts-title">
      <h2 id="charts-title">The last hour</h2>
      <${P} error=${t.error} />
      <div class="charts">
        <div class="panel">
          <h3>Delivery attempts per minute</h3>
          <${_e} minutes=${t.data?.minutes} />
        </div>
        <div class="panel">
          <h3>Attempt latency</h3>
          <${pe} minutes=${t.data?.minutes} />
        </div>
      </div>
    </section>
    <section aria-labelledby="health-title">
      <h2 id="health-title">Webhooks</h2>
      <${Re} api=${e} />
    </section>`}function vt({api:e,id:t}){let o=E(async()=>{let[{webhook:p},m]=await Promise.all([e.get(`/webhooks/${t}`),e.get("/stats/webhooks")]);return{webhook:p,health:m.webhooks.find(v=>v.webhook_id===t)}},[e,t],1e4),[n,s]=$(!1),[r,a]=$(null),[c,u]=$(null),[l,_]=$(null);if(o.error?.status===404)return d`<h1>Webhook not found</h1><${D}><p>It may have been deleted.</p><a href="#/webhooks">All webhooks</a><//>`;let h=o.data?.webhook,i=async p=>{_(null);try{await p(),await o.reload()}catch(m){_(m)}};return d`
    <p class="crumbs"><a href="#/webhooks">Webhooks</a> ›</p>
    <h1 class="url">${h?.url??"Webhook"}</h1>
    <${P} error=${l??o.error} />
    ${r?d`<${le} title="New signing secret" secret=${r} onDone=${()=>a(null)} />`:null}
    ${h?d`
        <div class="panel facts">
          <dl>
            <dt>Status</dt><dd>${h.enabled?d`<span class="badge badge-on">Enabled</span>`:d`<span class="badge badge-off">Disabled</span>`}</dd>
            <dt>Latest attempt</dt><dd><${We} health=${o.data.health} /></dd>
            <dt>Success (24 h)</dt><dd>${ce(o.data.health?.success_rate_24h)}</dd>
            <dt>Events</dt><dd>${h.events.map(p=>d`<code class="tag">${p}</code> `)}</dd>
            <dt>Room</dt><dd>${h.room_id??"Every room"}</dd>
            <dt>Id</dt><dd><code>${h.id}</code></dd>
          </dl>
          <div class="actions">
            <button type="button" class="secondary" onClick=${()=>s(!n)} aria-expanded=${n}>Edit</button>
            <button type="button" class="secondary" onClick=${()=>i(()=>e.patch(`/webhooks/${t}`,{enabled:!h.enabled}))}>${h.enabled?"Disable":"Enable"}</button>
            <button type="button" class="secondary" onClick=${()=>u("rotate")}>Rotate secret</button>
            <button type="button" class="danger" onClick=${()=>u("delete")}>Delete</button>
          </div>
        </div>
        ${n?d`<section aria-labelledby="edit-title"><h2 id="edit-title">Edit webhook</h2>
              <${he} api=${e} initial=${h} submitLabel="Save changes"
                onSubmit=${async p=>{await e.patch(`/webhooks/${t}`,p),s(!1),await o.reload()}}
                onCancel=${()=>s(!1)} /></section>`:null}`:d`<div class="panel facts placeholder" aria-busy="true"></div>`}
    <${Pe} open=${c==="delete"} title="Delete this webhook?" confirmLabel="Delete webhook"
      onCancel=${()=>u(null)}
      onConfirm=${async()=>{u(null);try{await e.del(`/webhooks/${t}`),location.hash="#/webhooks"}catch(p){_(p)}}}>
      <p>Its deliveries and their log are deleted with it, and nothing more is sent to <code>${h?.url}</code>.</p>
    <//>
    <${Pe} open=${c==="rotate"} title="Rotate the signing secret?" confirmLabel="Rotate secret"
      onCancel=${()=>u(null)}
      onConfirm=${()=>{u(null),i(async()=>a((await e.post(`/webhooks/${t}/rotate-secret`)).webhook.secret))}}>
      <p>Deliveries are signed with the new secret and, for 24 hours, also with the old one, so you can update your receiver without losing any.</p>
    <//>
    <${Ot} api=${e} id=${t} />
    <${Ft} api=${e} id=${t} />`}function Ot({api:e,id:t}){let o=E(()=>e.get(`/stats/deliveries?minutes=60&webhook_id=${t}`),[e,t],1e4);return d`
    <section aria-labelledby="wh-charts-title">
      <h2 id="wh-charts-title">The last hour</h2>
      <${P} error=${o.error} />
      <div class="charts">
        <div class="panel"><h3>Attempts per minute</h3><${_e} minutes=${o.data?.minutes} /></div>
        <div class="panel"><h3>Attempt latency</h3><${pe} minutes=${o.data?.minutes} /></div>
      </div>
    </section>`}function Ft({api:e,id:t}){let[o,n]=$(""),[s,r]=$(""),[a,c]=$([]),[u,l]=$(void 0),[_,h]=$(null),i=()=>{let f=new URLSearchParams({limit:"25"});return o&&f.set("status",o),s&&f.set("event",s),f},p=E(async()=>await e.get(`/webhooks/${t}/deliveries?${i()}`),[e,t,o,s],3e3),m=[...p.data?.deliveries??[],...a.filter(f=>!(p.data?.deliveries??[]).some(x=>x.id===f.id))],v=u===void 0?p.data?.next_cursor:u,y=async()=>{let f=i();f.set("cursor",v);let x=await e.get(`/webhooks/${t}/deliveries?${f}`);c(b=>[...b,...x.deliveries]),l(x.next_cursor)},g=f=>x=>{f(x.target.value),c([]),l(void 0)};return d`
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries</h2>
      <div class="filters">
        <label>Status
          <select value=${o} onChange=${g(n)}>
            <option value="">Any</option><option value="pending">Pending</option>
            <option value="success">Succeeded</option><option value="failed">Failed</option>
          </select>
        </label>
        <label>Event
          <select value=${s} onChange=${g(r)}>
            <option value="">Any</option>
            ${V.map(f=>d`<option value=${f}>${f}</option>`)}
          </select>
        </label>
      </div>
      <${qt} api=${e} id=${t} onDone=${p.reload} />
      <${P} error=${p.error} />
      ${p.data===void 0&&!p.error?d`<div class="table-placeholder" aria-busy="true">Loading deliveries…</div>`:m.length===0?d`<${D}><p>${o||s?"No deliveries match these filters.":"No deliveries yet. They appear here as soon as a subscribed event happens (create a user, say)."}</p><//>`:d`<ul class="deliveries" aria-label="Deliveries, newest first">
              ${m.map(f=>d`<${Bt} key=${f.id} api=${e} id=${t} d=${f} open=${_===f.id}
                onToggle=${()=>h(_===f.id?null:f.id)} onRetried=${p.reload} />`)}
            </ul>`}
      ${v?d`<button type="button" class="secondary" onClick=${y}>Load older deliveries</button>`:null}
    </section>`}function Bt({api:e,id:t,d:o,open:n,onToggle:s,onRetried:r}){return d`
    <li class="delivery" data-status=${o.status}>
      <button type="button" class="row" aria-expanded=${n} onClick=${s}>
        <${dt} status=${o.status} />
        <code>${o.event}</code>
        <span class="muted">${B(o.created_at)}</span>
        <span class="muted">${o.attempts} attempt${o.attempts===1?"":"s"}${o.status_code?`, HTTP ${o.status_code}`:""}</span>
        ${o.next_retry_at&&o.status==="pending"?d`<span class="muted">next try ${B(o.next_retry_at)}</span>`:null}
      </button>
      ${n?d`<${Kt} api=${e} id=${t} d=${o} onRetried=${r} />`:null}
    </li>`}function Kt({api:e,id:t,d:o,onRetried:n}){let s=E(()=>e.get(`/webhooks/${t}/deliveries/${o.id}/attempts`),[e,t,o.id,o.attempts]),[r,a]=$(null),[c,u]=$(!1);return d`
    <div class="detail">
      <div class="actions">
        <button type="button" onClick=${async()=>{a(null);try{await e.post(`/webhooks/${t}/deliveries/${o.id}/retry`),u(!0),n()}catch(_){a(_)}}}>Retry delivery</button>
        <span class="muted" aria-live="polite">${c?"Scheduled: it is attempted again now.":""}</span>
      </div>
      <${P} error=${r??s.error} />
      <h3>Attempts</h3>
      ${s.data?.attempts?.length===0?d`<p class="muted">Not attempted yet.</p>`:d`<div class="table-wrap"><table class="attempts">
            <thead><tr><th scope="col">Time</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Error</th><th scope="col">Response body</th></tr></thead>
            <tbody>${(s.data?.attempts??[]).map(_=>d`<tr>
                <td>${B(_.attempted_at)}</td>
                <td>${_.status_code??"\u2014"}</td>
                <td>${L(_.duration_ms)}</td>
                <td>${_.error??""}</td>
                <td><code class="body">${_.response_body||""}</code></td>
              </tr>`)}</tbody>
          </table></div>`}
      <h3>Payload</h3>
      <pre class="payload" tabindex="0" aria-label="Payload">${ue(o.payload)}</pre>
    </div>`}function qt({api:e,id:t,onDone:o}){let[n,s]=$(_t(new Date(Date.now()-36e5))),[r,a]=$(null),[c,u]=$(null);return d`
    <form class="recover" onSubmit=${async _=>{_.preventDefault(),u(null);try{let h=await e.post(`/webhooks/${t}/recover`,{since:new Date(n).toISOString()});a(`${h.scheduled} failed deliver${h.scheduled===1?"y":"ies"} scheduled again.`),o()}catch(h){u(h)}}}>
      <label for="recover-since">Retry everything that failed since</label>
      <input id="recover-since" type="datetime-local" required value=${n} onInput=${_=>s(_.target.value)} />
      <button type="submit" class="secondary">Retry failed</button>
      <span class="muted" aria-live="polite">${r??""}</span>
      <${P} error=${c} />
    </form>`}function yt(e,t){let[o,n]=$({}),s=t.join(",");return W(()=>{let r=!1,a=async u=>{try{let l=await e.get(`/rooms/${u}/participants`);r||n(_=>({..._,[u]:l.participants}))}catch{}};(async()=>{let u=[...t],l=Array.from({length:4},async()=>{for(;u.length&&!r;)await a(u.shift())});await Promise.all(l)})();let c=e.follow({},u=>{(u.event.startsWith("participant.")||u.event.startsWith("session."))&&t.includes(u.room_id)&&a(u.room_id)});return()=>{r=!0,c()}},[e,s]),o}function gt({participants:e}){return e===void 0?d`<span class="muted">…</span>`:e.length===0?d`<span class="muted">Nobody connected</span>`:d`<ul class="people">
    ${e.map(t=>d`<li><span class="dot" aria-hidden="true"></span>${t.user.name}
        <span class="muted">${t.connections>1?` (${t.connections} connections)`:""}</span></li>`)}
  </ul>`}function wt({api:e}){let t=E(()=>e.get("/rooms?live=true&limit=200"),[e],3e4),o=E(()=>e.get("/rooms?limit=200"),[e],3e4);W(()=>e.follow({},r=>r.event.startsWith("session.")&&t.reload()),[e]);let n=t.data?.rooms??[],s=yt(e,n.map(r=>r.id));return d`
    <h1>Live rooms</h1>
    <p class="muted" aria-live="polite">${t.data?`${n.length} room${n.length===1?"":"s"} with people connected now. Updates as they come and go.`:""}</p>
    <${P} error=${t.error??o.error} />
    ${t.data===void 0&&!t.error?d`<div class="table-placeholder" aria-busy="true">Loading live rooms…</div>`:n.length===0?d`<${D}><p>Nobody is connected to any room right now. A room appears here as soon as someone connects to it (<code>GET /v1/connect?token=…</code>).</p><//>`:d`<ul class="rooms">
            ${n.map(r=>d`<li class="panel room" data-room=${r.id}>
                <h2><a href=${`#/rooms/${r.id}`}>${r.name}</a> <span class="muted">${r.customId}</span></h2>
                <${gt} participants=${s[r.id]} />
              </li>`)}
          </ul>`}
    ${t.data?.next_cursor?d`<p class="muted">Showing the first 200 live rooms.</p>`:null}
    <section aria-labelledby="all-rooms-title">
      <h2 id="all-rooms-title">All rooms</h2>
      ${o.data?.rooms?.length===0?d`<${D}><p>No rooms yet. Create one with <code>POST /v1/accounts/{id}/rooms</code>.</p><//>`:d`<ul class="room-links">
            ${(o.data?.rooms??[]).map(r=>d`<li><a href=${`#/rooms/${r.id}`}>${r.name}</a> <span class="muted">${r.customId}</span></li>`)}
          </ul>`}
      ${o.data?.next_cursor?d`<p class="muted">Showing the first 200 rooms.</p>`:null}
    </section>`}function kt({api:e,id:t}){let o=E(()=>e.get(`/rooms/${t}`),[e,t]),n=yt(e,[t]),s=E(()=>e.get(`/rooms/${t}/recent-events?limit=30`),[e,t]);return W(()=>e.follow({room_id:t},()=>s.reload()),[e,t]),o.error?.status===404?d`<h1>Room not found</h1><${D}><p>It may have been deleted.</p><a href="#/rooms">All rooms</a><//>`:d`
    <p class="crumbs"><a href="#/rooms">Live rooms</a> ›</p>
    <h1>${o.data?.room.name??"Room"}</h1>
    <${P} error=${o.error??s.error} />
    <section class="panel" aria-labelledby="now-title">
      <h2 id="now-title">Connected now</h2>
      <${gt} participants=${n[t]} />
    </section>
    <section aria-labelledby="recent-title">
      <h2 id="recent-title">Recent events</h2>
      ${s.data?.events?.length===0?d`<${D}><p>Nothing has happened in this room yet.</p><//>`:d`<ol class="events" aria-label="Recent events, newest first">
            ${(s.data?.events??[]).map(r=>d`<li>
                <details>
                  <summary><span class="seq" title="Its number in the room (room_seq)">#${r.room_seq}</span>
                    <code>${r.event}</code> <span class="muted">${B(r.created_at)}</span>
                    ${r.payload.user?d` · ${r.payload.user.name}`:null}</summary>
                  <pre class="payload">${ue(JSON.stringify(r.payload))}</pre>
                </details>
              </li>`)}
          </ol>`}
    </section>`}var Ae="collabkit.dashboard.credential";function jt(){let[e,t]=$(location.hash||"#/");return W(()=>{let o=()=>t(location.hash||"#/");return window.addEventListener("hashchange",o),()=>window.removeEventListener("hashchange",o)},[]),e}function Vt({onSignedIn:e,notice:t}){let[o,n]=$(""),[s,r]=$(""),[a,c]=$(null),[u,l]=$(!1);return d`
    <main class="signin" id="main">
      <form class="panel form" onSubmit=${async h=>{h.preventDefault(),l(!0),c(null);try{await ut(o.trim(),s.trim()),e({accountId:o.trim(),apiKey:s.trim()})}catch(i){c(i)}finally{l(!1)}}} aria-busy=${u}>
        <h1>CollabKit dashboard</h1>
        <p class="muted">Sign in with an account id and its API key: the ones <code>collabkit serve</code>
          printed on first start, or <code>collabkit accounts create</code>.</p>
        ${t?d`<p class="notice" role="status">${t}</p>`:null}
        <label for="account-id">Account id</label>
        <input id="account-id" autocomplete="username" required spellcheck="false"
          placeholder="acc_…" value=${o} onInput=${h=>n(h.target.value)} />
        <label for="api-key">API key</label>
        <input id="api-key" type="password" autocomplete="current-password" required
          value=${s} onInput=${h=>r(h.target.value)} />
        ${a?d`<p class="error" role="alert">${a.message}</p>`:null}
        <button type="submit" disabled=${u}>${u?"Signing in\u2026":"Sign in"}</button>
        <p class="muted small">The key stays in this tab's session storage and is sent only to this server.</p>
      </form>
    </main>`}function Jt({credential:e,onSignOut:t}){let o=jt(),n=ae(()=>Ee(e.accountId,e.apiKey,()=>t("Your API key is no longer accepted (it may have been rotated). Sign in again.")),[e]),s=o.replace(/^#\/?/,"").split("/").filter(Boolean).map(decodeURIComponent),r,a="overview";s[0]==="webhooks"?(a="webhooks",r=s[1]&&s[1]!=="new"?d`<${vt} api=${n} id=${s[1]} key=${s[1]} />`:d`<${$t} api=${n} creating=${s[1]==="new"} />`):s[0]==="rooms"?(a="rooms",r=s[1]?d`<${kt} api=${n} id=${s[1]} key=${s[1]} />`:d`<${wt} api=${n} />`):r=d`<${bt} api=${n} />`,W(()=>{document.title=`${{overview:"Overview",webhooks:"Webhooks",rooms:"Live rooms"}[a]} \xB7 CollabKit`},[a]);let c=(u,l,_)=>d`<a href=${u} aria-current=${a===l?"page":void 0}>${_}</a>`;return d`
    <a class="skip" href="#main" onClick=${u=>{u.preventDefault(),document.getElementById("main").focus()}}>Skip to content</a>
    <header class="top">
      <span class="brand">CollabKit</span>
      <nav aria-label="Dashboard">
        ${c("#/","overview","Overview")}
        ${c("#/webhooks","webhooks","Webhooks")}
        ${c("#/rooms","rooms","Live rooms")}
      </nav>
      <span class="account"><span class="muted">Account</span> <code>${e.accountId}</code></span>
      <button type="button" class="secondary small" onClick=${()=>t()}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">${r}</main>`}function zt(){let[e,t]=$(()=>{try{return JSON.parse(sessionStorage.getItem(Ae))}catch{return null}}),[o,n]=$(null);return e?d`<${Jt} credential=${e} onSignOut=${s=>{sessionStorage.removeItem(Ae),n(s??null),t(null)}} />`:d`<${Vt} notice=${o} onSignedIn=${s=>{sessionStorage.setItem(Ae,JSON.stringify(s)),n(null),t(s)}} />`}var xt=document.getElementById("app");xt.textContent="";ze(d`<${zt} />`,xt);
