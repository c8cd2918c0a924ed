var ee,w,We,St,L,Ae,He,Fe,me,G,B,Ue,be,$e,ve,Ct,Q={},X=[],Et=/acit|ex(?:s|g|n|p|$)|rph|grid|ows|mnc|ntw|ine[ch]|zoo|^ord|itera/i,te=Array.isArray;function I(e,t){for(var o in t)e[o]=t[o];return e}function ye(e){e&&e.parentNode&&e.parentNode.removeChild(e)}function ge(e,t,o){var n,s,r,a={};for(r in t)r=="key"?n=t[r]:r=="ref"?s=t[r]:a[r]=t[r];if(arguments.length>2&&(a.children=arguments.length>3?ee.call(arguments,2):o),typeof e=="function"&&e.defaultProps!=null)for(r in e.defaultProps)a[r]===void 0&&(a[r]=e.defaultProps[r]);return Y(e,a,n,s,null)}function Y(e,t,o,n,s){var r={type:e,props:t,key:o,ref:n,__k:null,__:null,__b:0,__e:null,__c:null,constructor:void 0,__v:s??++We,__i:-1,__u:0};return s==null&&w.vnode!=null&&w.vnode(r),r}function oe(e){return e.children}function z(e,t){this.props=e,this.context=t}function F(e,t){if(t==null)return e.__?F(e.__,e.__i+1):null;for(var o;t<e.__k.length;t++)if((o=e.__k[t])!=null&&o.__e!=null)return o.__e;return typeof e.type=="function"?F(e):null}function Pt(e){if(e.__P&&e.__d){var t=e.__v,o=t.__e,n=[],s=[],r=I({},t);r.__v=t.__v+1,w.vnode&&w.vnode(r),we(e.__P,r,t,e.__n,e.__P.namespaceURI,32&t.__u?[o]:null,n,o??F(t),!!(32&t.__u),s),r.__v=t.__v,r.__.__k[r.__i]=r,Ke(n,r,s),t.__e=t.__=null,r.__e!=o&&Oe(r)}}function Oe(e){if((e=e.__)!=null&&e.__c!=null)return e.__e=e.__c.base=null,e.__k.some(function(t){if(t!=null&&t.__e!=null)return e.__e=e.__c.base=t.__e}),Oe(e)}function Ie(e){(!e.__d&&(e.__d=!0)&&L.push(e)&&!Z.__r++||Ae!=w.debounceRendering)&&((Ae=w.debounceRendering)||He)(Z)}function Z(){try{for(var e,t=1;L.length;)L.length>t&&L.sort(Fe),e=L.shift(),t=L.length,Pt(e)}finally{L.length=Z.__r=0}}function qe(e,t,o,n,s,r,a,c,u,l,_){var h,i,p,m,b,y,g=n&&n.__k||X,f=t.length;for(u=Dt(o,t,g,u,f),h=0;h<f;h++)(p=o.__k[h])!=null&&(i=p.__i!=-1&&g[p.__i]||Q,p.__i=h,y=we(e,p,i,s,r,a,c,u,l,_),m=p.__e,p.ref&&i.ref!=p.ref&&(i.ref&&ke(i.ref,null,p),_.push(p.ref,p.__c||m,p)),b==null&&m!=null&&(b=m),4&p.__u?(u=Be(p,u,e),i.__e&&(i.__e=null)):typeof p.type=="function"&&y!==void 0?u=y:m&&(u=m.nextSibling),p.__u&=-7);return o.__e=b,u}function Dt(e,t,o,n,s){var r,a,c,u,l,_=o.length,h=_,i=0;for(e.__k=new Array(s),r=0;r<s;r++)(a=t[r])!=null&&typeof a!="boolean"&&typeof a!="function"?(typeof a=="string"||typeof a=="number"||typeof a=="bigint"||a.constructor==String?a=e.__k[r]=Y(null,a,null,null,null):te(a)?a=e.__k[r]=Y(oe,{children:a},null,null,null):a.constructor===void 0&&a.__b>0?a=e.__k[r]=Y(a.type,a.props,a.key,a.ref?a.ref:null,a.__v):e.__k[r]=a,u=r+i,a.__=e,a.__b=e.__b+1,c=null,(l=a.__i=Nt(a,o,u,h))!=-1&&(h--,(c=o[l])&&(c.__u|=2)),c==null||c.__v==null?(l==-1&&(s>_?i--:s<_&&i++),typeof a.type!="function"&&(a.__u|=4)):l!=u&&(l==u-1?i--:l==u+1?i++:(l>u?i--:i++,a.__u|=4))):e.__k[r]=null;if(h)for(r=0;r<_;r++)(c=o[r])!=null&&(2&c.__u)==0&&(c.__e==n&&(n=F(c)),Je(c,c));return n}function Be(e,t,o){var n,s;if(typeof e.type=="function"){for(n=e.__k,s=0;n&&s<n.length;s++)n[s]&&(n[s].__=e,t=Be(n[s],t,o));return t}e.__e!=t&&(t&&e.type&&!t.parentNode&&(t=F(e)),t=o.insertBefore(e.__e,t||null));do t=t&&t.nextSibling;while(t!=null&&t.nodeType==8);return t}function Nt(e,t,o,n){var s,r,a,c=e.key,u=e.type,l=t[o],_=l!=null&&(2&l.__u)==0;if(l===null&&c==null||_&&c==l.key&&u==l.type)return o;if(n>(_?1:0)){for(s=o-1,r=o+1;s>=0||r<t.length;)if((l=t[a=s>=0?s--:r++])!=null&&(2&l.__u)==0&&c==l.key&&u==l.type)return a}return-1}function Le(e,t,o){t[0]=="-"?e.setProperty(t,o??""):e[t]=o==null?"":typeof o!="number"||Et.test(t)?o:o+"px"}function J(e,t,o,n,s){var r,a;e:if(t=="style")if(typeof o=="string")e.style.cssText=o;else{if(typeof n=="string"&&(e.style.cssText=n=""),n)for(t in n)o&&t in o||Le(e.style,t,"");if(o)for(t in o)n&&o[t]==n[t]||Le(e.style,t,o[t])}else if(t[0]=="o"&&t[1]=="n")r=t!=(t=t.replace(Ue,"$1")),a=t.toLowerCase(),t=a in e||t=="onFocusOut"||t=="onFocusIn"?a.slice(2):t.slice(2),e.l||(e.l={}),e.l[t+r]=o,o?n?o[B]=n[B]:(o[B]=be,e.addEventListener(t,r?ve:$e,r)):e.removeEventListener(t,r?ve:$e,r);else{if(s=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{e[t]=o??"";break e}catch{}typeof o=="function"||(o==null||o===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&o==1?"":o))}}function Me(e){return function(t){if(this.l){var o=this.l[t.type+e];if(t[G]==null)t[G]=be++;else if(t[G]<o[B])return;return o(w.event?w.event(t):t)}}}function we(e,t,o,n,s,r,a,c,u,l){var _,h,i,p,m,b,y,g,f,x,v,C,R,U,H,fe,T=t.type;if(t.constructor!==void 0)return null;128&o.__u&&(u=!!(32&o.__u),r=[c=t.__e=o.__e]),(_=w.__b)&&_(t);e:if(typeof T=="function"){h=a.length;try{if(f=t.props,x=T.prototype&&T.prototype.render,v=(_=T.contextType)&&n[_.__c],C=_?v?v.props.value:_.__:n,o.__c?g=(i=t.__c=o.__c).__=i.__E:(x?t.__c=i=new T(f,C):(t.__c=i=new z(f,C),i.constructor=T,i.render=Tt),v&&v.sub(i),i.state||(i.state={}),i.__n=n,p=i.__d=!0,i.__h=[],i._sb=[]),x&&i.__s==null&&(i.__s=i.state),x&&T.getDerivedStateFromProps!=null&&(i.__s==i.state&&(i.__s=I({},i.__s)),I(i.__s,T.getDerivedStateFromProps(f,i.__s))),m=i.props,b=i.state,i.__v=t,p)x&&T.getDerivedStateFromProps==null&&i.componentWillMount!=null&&i.componentWillMount(),x&&i.componentDidMount!=null&&i.__h.push(i.componentDidMount);else{if(x&&T.getDerivedStateFromProps==null&&f!==m&&i.componentWillReceiveProps!=null&&i.componentWillReceiveProps(f,C),t.__v==o.__v||!i.__e&&i.shouldComponentUpdate!=null&&i.shouldComponentUpdate(f,i.__s,C)===!1){t.__v!=o.__v&&(i.props=f,i.state=i.__s,i.__d=!1),t.__e=o.__e,t.__k=o.__k,t.__k.some(function(O){O&&(O.__=t)}),X.push.apply(i.__h,i._sb),i._sb=[],i.__h.length&&a.push(i),c=F(o);break e}i.componentWillUpdate!=null&&i.componentWillUpdate(f,i.__s,C),x&&i.componentDidUpdate!=null&&i.__h.push(function(){i.componentDidUpdate(m,b,y)})}if(i.context=C,i.props=f,i.__P=e,i.__e=!1,R=w.__r,U=0,x)i.state=i.__s,i.__d=!1,R&&R(t),_=i.render(i.props,i.state,i.context),X.push.apply(i.__h,i._sb),i._sb=[];else do i.__d=!1,R&&R(t),_=i.render(i.props,i.state,i.context),i.state=i.__s;while(i.__d&&++U<25);i.state=i.__s,i.getChildContext!=null&&(n=I(I({},n),i.getChildContext())),x&&!p&&i.getSnapshotBeforeUpdate!=null&&(y=i.getSnapshotBeforeUpdate(m,b)),H=_!=null&&_.type===oe&&_.key==null?Ve(_.props.children):_,c=qe(e,te(H)?H:[H],t,o,n,s,r,a,c,u,l),i.base=t.__e,t.__u&=-161,i.__h.length&&a.push(i),g&&(i.__E=i.__=null)}catch(O){if(a.length=h,t.__v=null,u||r!=null){if(O.then){for(t.__u|=u?160:128;c&&c.nodeType==8&&c.nextSibling;)c=c.nextSibling;r!=null&&(r[r.indexOf(c)]=null),t.__e=c}else if(r!=null)for(fe=r.length;fe--;)ye(r[fe])}else t.__e=o.__e;t.__k==null&&(t.__k=o.__k||[]),O.then||je(t),w.__e(O,t,o)}}else r==null&&t.__v==o.__v?(t.__k=o.__k,t.__e=o.__e):c=t.__e=Rt(o.__e,t,o,n,s,r,a,u,l);return(_=w.diffed)&&_(t),128&t.__u?void 0:c}function je(e){e&&(e.__c&&(e.__c.__e=!0),e.__k&&e.__k.some(je))}function Ke(e,t,o){for(var n=0;n<o.length;n++)ke(o[n],o[++n],o[++n]);w.__c&&w.__c(t,e),e.some(function(s){try{e=s.__h,s.__h=[],e.some(function(r){r.call(s)})}catch(r){w.__e(r,s.__v)}})}function Ve(e){return typeof e!="object"||e==null||e.__b>0?e:te(e)?e.map(Ve):e.constructor!==void 0?null:I({},e)}function Rt(e,t,o,n,s,r,a,c,u){var l,_,h,i,p,m,b,y=o.props||Q,g=t.props,f=t.type;if(f=="svg"?s="http://www.w3.org/2000/svg":f=="math"?s="http://www.w3.org/1998/Math/MathML":s||(s="http://www.w3.org/1999/xhtml"),r!=null){for(l=0;l<r.length;l++)if((p=r[l])&&"setAttribute"in p==!!f&&(f?p.localName==f:p.nodeType==3)){e=p,r[l]=null;break}}if(e==null){if(f==null)return document.createTextNode(g);e=document.createElementNS(s,f,g.is&&g),c&&(w.__m&&w.__m(t,r),c=!1),r=null}if(f==null)y===g||c&&e.data==g||(e.data=g);else{if(r=f=="textarea"&&g.defaultValue!=null?null:r&&ee.call(e.childNodes),!c&&r!=null)for(y={},l=0;l<e.attributes.length;l++)y[(p=e.attributes[l]).name]=p.value;for(l in y)p=y[l],l=="dangerouslySetInnerHTML"?h=p:l=="children"||l in g||l=="value"&&"defaultValue"in g||l=="checked"&&"defaultChecked"in g||J(e,l,null,p,s);for(l in g)p=g[l],l=="children"?i=p:l=="dangerouslySetInnerHTML"?_=p:l=="value"?m=p:l=="checked"?b=p:c&&typeof p!="function"||y[l]===p||J(e,l,p,y[l],s);if(_)c||h&&(_.__html==h.__html||_.__html==e.innerHTML)||(e.innerHTML=_.__html),t.__k=[];else if(h&&(e.innerHTML=""),qe(t.type=="template"?e.content:e,te(i)?i:[i],t,o,n,f=="foreignObject"?"http://www.w3.org/1999/xhtml":s,r,a,r?r[0]:o.__k&&F(o,0),c,u),r!=null)for(l=r.length;l--;)ye(r[l]);c&&f!="textarea"||(l="value",f=="progress"&&m==null?e.removeAttribute("value"):m!=null&&(m!==e[l]||f=="progress"&&!m||f=="option"&&m!=y[l])&&J(e,l,m,y[l],s),l="checked",b!=null&&b!=e[l]&&J(e,l,b,y[l],s))}return e}function ke(e,t,o){try{if(typeof e=="function"){var n=typeof e.__u=="function";n&&e.__u(),n&&t==null||(e.__u=e(t))}else e.current=t}catch(s){w.__e(s,o)}}function Je(e,t,o){var n,s;if(w.unmount&&w.unmount(e),(n=e.ref)&&(n.current&&n.current!=e.__e||ke(n,null,t)),(n=e.__c)!=null){if(n.componentWillUnmount)try{n.componentWillUnmount()}catch(r){w.__e(r,t)}n.base=n.__P=n.__n=null}if(n=e.__k)for(s=0;s<n.length;s++)n[s]&&Je(n[s],t,o||typeof e.type!="function");o||ye(e.__e),e.__c=e.__=e.__e=void 0}function Tt(e,t,o){return this.constructor(e,o)}function Ge(e,t,o){var n,s,r,a;t==document&&(t=document.documentElement),w.__&&w.__(e,t),s=(n=typeof o=="function")?null:o&&o.__k||t.__k,r=[],a=[],we(t,e=(!n&&o||t).__k=ge(oe,null,[e]),s||Q,Q,t.namespaceURI,!n&&o?[o]:s?null:t.firstChild?ee.call(t.childNodes):null,r,!n&&o?o:s?s.__e:t.firstChild,n,a),Ke(r,e,a),e.props.children=null}ee=X.slice,w={__e:function(e,t,o,n){for(var s,r,a;t=t.__;)if((s=t.__c)&&!s.__)try{if((r=s.constructor)&&r.getDerivedStateFromError!=null&&(s.setState(r.getDerivedStateFromError(e)),a=s.__d),s.componentDidCatch!=null&&(s.componentDidCatch(e,n||{}),a=s.__d),a)return s.__E=s}catch(c){e=c}throw e}},We=0,St=function(e){return e!=null&&e.constructor===void 0},z.prototype.setState=function(e,t){var o;o=this.__s!=null&&this.__s!=this.state?this.__s:this.__s=I({},this.state),typeof e=="function"&&(e=e(I({},o),this.props)),e&&I(o,e),e!=null&&this.__v&&(t&&this._sb.push(t),Ie(this))},z.prototype.forceUpdate=function(e){this.__v&&(this.__e=!0,e&&this.__h.push(e),Ie(this))},z.prototype.render=oe,L=[],He=typeof Promise=="function"?Promise.prototype.then.bind(Promise.resolve()):setTimeout,Fe=function(e,t){return e.__v.__b-t.__v.__b},Z.__r=0,me=Math.random().toString(8),G="__d"+me,B="__a"+me,Ue=/(PointerCapture)$|Capture$/i,be=0,$e=Me(!1),ve=Me(!0),Ct=0;var j,k,xe,Ye,K=0,nt=[],S=w,ze=S.__b,Qe=S.__r,Xe=S.diffed,Ze=S.__c,et=S.unmount,tt=S.__;function Ce(e,t){S.__h&&S.__h(k,e,K||t),K=0;var o=k.__H||(k.__H={__:[],__h:[]});return e>=o.__.length&&o.__.push({}),o.__[e]}function $(e){return K=1,At(at,e)}function At(e,t,o){var n=Ce(j++,2);if(n.t=e,!n.__c&&(n.__=[o?o(t):at(void 0,t),function(c){var u=n.__N?n.__N[0]:n.__[0],l=n.t(u,c);u!==l&&(n.__N=[l,n.__[1]],n.__c.setState({}))}],n.__c=k,!k.__f)){var s=function(c,u,l){if(!n.__c.__H)return!0;var _=!1,h=n.__c.props!==c;if(n.__c.__H.__.some(function(p){if(p.__N){_=!0;var m=p.__[0];p.__=p.__N,p.__N=void 0,m!==p.__[0]&&(h=!0)}}),r){var i=r.call(this,c,u,l);return _?i||h:i}return!_||h};k.__f=!0;var r=k.shouldComponentUpdate,a=k.componentWillUpdate;k.componentWillUpdate=function(c,u,l){if(this.__e){var _=r;r=void 0,s(c,u,l),r=_}a&&a.call(this,c,u,l)},k.shouldComponentUpdate=s}return n.__N||n.__}function N(e,t){var o=Ce(j++,3);!S.__s&&st(o.__H,t)&&(o.__=e,o.u=t,k.__H.__h.push(o))}function re(e){return K=5,se(function(){return{current:e}},[])}function se(e,t){var o=Ce(j++,7);return st(o.__H,t)&&(o.__=e(),o.__H=t,o.__h=e),o.__}function rt(e,t){return K=8,se(function(){return e},t)}function It(){for(var e;e=nt.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(ne),t.__h.some(Se),t.__h=[]}catch(o){t.__h=[],S.__e(o,e.__v)}}}S.__b=function(e){k=null,ze&&ze(e)},S.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),tt&&tt(e,t)},S.__r=function(e){Qe&&Qe(e),j=0;var t=(k=e.__c).__H;t&&(xe===k?(t.__h=[],k.__h=[],t.__.some(function(o){o.__N&&(o.__=o.__N),o.u=o.__N=void 0})):(t.__h.some(ne),t.__h.some(Se),t.__h=[],j=0)),xe=k},S.diffed=function(e){Xe&&Xe(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&(nt.push(t)!==1&&Ye===S.requestAnimationFrame||((Ye=S.requestAnimationFrame)||Lt)(It)),t.__H.__.some(function(o){o.u&&(o.__H=o.u,o.u=void 0)})),xe=k=null},S.__c=function(e,t){t.some(function(o){try{o.__h.some(ne),o.__h=o.__h.filter(function(n){return!n.__||Se(n)})}catch(n){t.some(function(s){s.__h&&(s.__h=[])}),t=[],S.__e(n,o.__v)}}),Ze&&Ze(e,t)},S.unmount=function(e){et&&et(e);var t,o=e.__c;o&&o.__H&&(o.__H.__.some(function(n){try{ne(n)}catch(s){t=s}}),o.__H=void 0,t&&S.__e(t,o.__v))};var ot=typeof requestAnimationFrame=="function";function Lt(e){var t,o=function(){clearTimeout(n),ot&&cancelAnimationFrame(t),setTimeout(e)},n=setTimeout(o,35);ot&&(t=requestAnimationFrame(o))}function ne(e){var t=k,o=e.__c;typeof o=="function"&&(e.__c=void 0,o()),k=t}function Se(e){var t=k;e.__c=e.__(),k=t}function st(e,t){return!e||e.length!==t.length||t.some(function(o,n){return o!==e[n]})}function at(e,t){return typeof t=="function"?t(e):t}var it=function(e,t,o,n){var s;t[0]=0;for(var r=1;r<t.length;r++){var a=t[r++],c=t[r]?(t[0]|=a?1:2,o[t[r++]]):t[++r];a===3?n[0]=c:a===4?n[1]=Object.assign(n[1]||{},c):a===5?(n[1]=n[1]||{})[t[++r]]=c:a===6?n[1][t[++r]]+=c+"":a?(s=e.apply(c,it(e,c,o,["",null])),n.push(s),c[0]?t[0]|=2:(t[r-2]=0,t[r]=s)):n.push(c)}return n},lt=new Map;function ct(e){var t=lt.get(this);return t||(t=new Map,lt.set(this,t)),(t=it(this,t.get(e)||(t.set(e,t=(function(o){for(var n,s,r=1,a="",c="",u=[0],l=function(i){r===1&&(i||(a=a.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?u.push(0,i,a):r===3&&(i||a)?(u.push(3,i,a),r=2):r===2&&a==="..."&&i?u.push(4,i,0):r===2&&a&&!i?u.push(5,0,!0,a):r>=5&&((a||!i&&r===5)&&(u.push(r,0,a,s),r=6),i&&(u.push(r,i,0,s),r=6)),a=""},_=0;_<o.length;_++){_&&(r===1&&l(),l(_));for(var h=0;h<o[_].length;h++)n=o[_][h],r===1?n==="<"?(l(),u=[u],r=3):a+=n:r===4?a==="--"&&n===">"?(r=1,a=""):a=n+a[0]:c?n===c?c="":a+=n:n==='"'||n==="'"?c=n:n===">"?(l(),r=1):r&&(n==="="?(r=5,s=a,a=""):n==="/"&&(r<5||o[_][h+1]===">")?(l(),r===3&&(u=u[0]),r=u,(u=u[0]).push(2,0,r),r=0):n===" "||n==="	"||n===`
`||n==="\r"?(l(),r=2):a+=n),r===3&&a==="!--"&&(r=4,u=u[0])}return l(),u})(e)),t),arguments,[])).length>1?t:t[0]}var d=ct.bind(ge);var ae=["participant.joined","participant.left","session.started","session.closed","user.created","user.updated","user.deleted"],V=class extends Error{constructor(t,o,n){super(n),this.status=t,this.code=o}},Mt="The server could not be reached. Is `collabkit serve` still running at this address?";function Wt(e,t){let o=new TextEncoder().encode(`${e}:${t}`),n="";for(let s of o)n+=String.fromCharCode(s);return btoa(n)}function Ee(e,t,o){let n=`/v1/accounts/${encodeURIComponent(e)}`,s={authorization:`Bearer ${Wt(e,t)}`};async function r(a,c,u){let l;try{l=await fetch(n+c,{method:a,headers:u===void 0?s:{...s,"content-type":"application/json"},body:u===void 0?void 0:JSON.stringify(u)})}catch{throw new V(0,"unreachable",Mt)}if(l.status===204)return null;let _=null;try{_=await l.json()}catch{}if(!l.ok){let h=_?.error,i=new V(l.status,h?.code??"http_error",h?.message??`The server answered ${l.status} ${l.statusText}.`);throw l.status===401&&o&&o(i),i}return _?.data}return{accountId:e,get:a=>r("GET",a),post:(a,c)=>r("POST",a,c??{}),patch:(a,c)=>r("PATCH",a,c),del:a=>r("DELETE",a),follow(a,c){let u=!1,l=null,_=null;return(async()=>{let h=500;for(;!u;){l=new AbortController;try{let i=new URLSearchParams(a);_&&i.set("cursor",_);let p=await fetch(`${n}/events/stream?${i}`,{headers:s,signal:l.signal});if(!p.ok||!p.body)throw new Error(`stream answered ${p.status}`);h=500;let m=p.body.pipeThrough(new TextDecoderStream).getReader(),b="";for(;;){let{value:y,done:g}=await m.read();if(g)break;b+=y;let f;for(;(f=b.indexOf(`

`))>=0;){let x=b.slice(0,f);b=b.slice(f+2);let v={};for(let C of x.split(`
`)){let R=C.indexOf(":");if(R<=0)continue;let U=C.slice(0,R),H=C.slice(R+1).replace(/^ /,"");v[U]=v[U]?`${v[U]}
${H}`:H}if(v.id&&(_=v.id),v.data)try{c(JSON.parse(v.data))}catch{}}}}catch{}if(u)break;await new Promise(i=>setTimeout(i,h)),h=Math.min(h*2,1e4)}})(),()=>{u=!0,l?.abort()}}}}async function ut(e,t){let o=Ee(e,t);try{await o.get("/webhooks?limit=1")}catch(n){throw n.status===401||n.status===403||n.status===404?new V(n.status,n.code,"That account id and API key do not match. Check both (the key was printed once when the account was created; `collabkit accounts rotate-key` makes a new one)."):n}return o}function E(e,t,o){let[n,s]=$({data:void 0,error:null}),r=re(e);r.current=e;let a=rt(async()=>{try{let c=await r.current();s({data:c,error:null})}catch(c){s(u=>({data:u.data,error:c}))}},[]);return N(()=>{if(s({data:void 0,error:null}),a(),!o)return;let c=setInterval(()=>{document.visibilityState==="visible"&&a()},o);return()=>clearInterval(c)},t),{...n,reload:a}}function P({error:e}){return e?d`<p class="error" role="alert">${e.message}</p>`:null}function dt({status:e}){let t={success:"Succeeded",failed:"Failed",pending:"Pending"}[e]??e;return d`<span class="badge badge-${e}">${t}</span>`}function A({children:e}){return d`<div class="empty">${e}</div>`}function le({secret:e,title:t,onDone:o}){let[n,s]=$(!1),r=re(null);return d`
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
    </section>`}function Pe({open:e,title:t,children:o,confirmLabel:n,onConfirm:s,onCancel:r}){let a=re(null);return N(()=>{let c=a.current;c&&(e&&!c.open&&c.showModal(),!e&&c.open&&c.close())},[e]),d`
    <dialog ref=${a} aria-labelledby="confirm-title" onCancel=${c=>{c.preventDefault(),r()}}>
      <h3 id="confirm-title">${t}</h3>
      <div>${o}</div>
      <div class="actions">
        <button type="button" class="secondary" onClick=${r}>Cancel</button>
        <button type="button" class="danger" onClick=${s}>${n}</button>
      </div>
    </dialog>`}var Ht=new Intl.DateTimeFormat(void 0,{year:"numeric",month:"short",day:"numeric",hour:"2-digit",minute:"2-digit",second:"2-digit"}),Ft=new Intl.DateTimeFormat(void 0,{hour:"2-digit",minute:"2-digit"}),q=e=>e?Ht.format(new Date(e)):"\u2014",ie=e=>Ft.format(new Date(e));function De(e){if(!e)return"never";let t=Math.round((Date.now()-new Date(e).getTime())/1e3);return t<60?"just now":t<3600?`${Math.floor(t/60)} min ago`:t<86400?`${Math.floor(t/3600)} h ago`:`${Math.floor(t/86400)} d ago`}var ce=e=>e==null?"\u2014":`${(e*100).toFixed(e>=.999||e===0?0:1)} %`,M=e=>e==null?"\u2014":e>=1e3?`${(e/1e3).toFixed(e>=1e4?0:1)} s`:`${e} ms`;function ue(e){try{return JSON.stringify(JSON.parse(e),null,2)}catch{return e}}function _t(e){let t=o=>String(o).padStart(2,"0");return`${e.getFullYear()}-${t(e.getMonth()+1)}-${t(e.getDate())}T${t(e.getHours())}:${t(e.getMinutes())}`}var de=160,D={left:44,right:8,top:10,bottom:22},W=de-D.top-D.bottom,pt="(max-width: 600px)";function ht(){let[e,t]=$(()=>matchMedia(pt).matches);N(()=>{let n=matchMedia(pt),s=()=>t(n.matches);return n.addEventListener("change",s),()=>n.removeEventListener("change",s)},[]);let o=e?360:600;return[o,o-D.left-D.right]}function ft(e){if(e<=4)return 4;let t=10**Math.floor(Math.log10(e));for(let o of[1,2,2.5,5,10])if(o*t>=e)return o*t;return 10*t}function mt({W:e,plotW:t,minutes:o,max:n,unit:s}){let r=[0,n/2,n],a=Math.max(1,Math.round(o.length/(e<600?3:4)));return d`
    <g class="axis" aria-hidden="true">
      ${r.map(c=>{let u=D.top+W-c/n*W;return d`<line x1=${D.left} x2=${e-D.right} y1=${u} y2=${u} class="grid" />
          <text x=${D.left-6} y=${u+4} text-anchor="end">${s(c)}</text>`})}
      ${o.map((c,u)=>u%a===0?d`<text x=${D.left+(u+.5)*(t/o.length)} y=${de-6} text-anchor="middle">${ie(c.start)}</text>`:null)}
    </g>`}function _e({minutes:e}){let[t,o]=ht();if(!e)return d`<div class="chart chart-placeholder" aria-busy="true"></div>`;let n=e.reduce((l,_)=>l+_.succeeded,0),s=e.reduce((l,_)=>l+_.failed,0),r=ft(Math.max(...e.map(l=>l.succeeded+l.failed))),a=o/e.length,c=l=>l/r*W,u=`Attempts per minute over the last ${e.length} minutes: ${n} succeeded, ${s} failed.`;return d`
    <figure class="chart">
      <svg viewBox="0 0 ${t} ${de}" role="img" aria-label=${u}>
        <${mt} W=${t} plotW=${o} minutes=${e} max=${r} unit=${l=>String(Math.round(l))} />
        ${e.map((l,_)=>{let h=D.left+_*a+a*.15,i=c(l.succeeded),p=c(l.failed),m=D.top+W;return d`<g>
            <title>${ie(l.start)}: ${l.succeeded} succeeded, ${l.failed} failed</title>
            ${l.succeeded?d`<rect class="ok" x=${h} width=${a*.7} y=${m-i} height=${i} />`:null}
            ${l.failed?d`<rect class="fail" x=${h} width=${a*.7} y=${m-i-p} height=${p} />`:null}
          </g>`})}
      </svg>
      <figcaption>
        <span class="key ok"></span> succeeded (${n}) <span class="key fail"></span> failed (${s})
      </figcaption>
    </figure>`}function pe({minutes:e}){let[t,o]=ht();if(!e)return d`<div class="chart chart-placeholder" aria-busy="true"></div>`;let n=e.flatMap(l=>[l.p50_ms,l.p99_ms]).filter(l=>l!=null),s=ft(Math.max(1,...n)),r=o/e.length,a=l=>{let _="",h=!1;return e.forEach((i,p)=>{let m=i[l];if(m==null){h=!1;return}let b=D.left+(p+.5)*r,y=D.top+W-m/s*W;_+=`${h?"L":"M"}${b.toFixed(1)},${y.toFixed(1)}`,h=!0}),_},c=[...e].reverse().find(l=>l.p50_ms!=null),u=c?`Attempt latency: latest minute with attempts p50 ${M(c.p50_ms)}, p99 ${M(c.p99_ms)}.`:"Attempt latency: no attempts in this window.";return d`
    <figure class="chart">
      <svg viewBox="0 0 ${t} ${de}" role="img" aria-label=${u}>
        <${mt} W=${t} plotW=${o} minutes=${e} max=${s} unit=${l=>M(Math.round(l))} />
        <path class="p99" d=${a("p99_ms")} />
        <path class="p50" d=${a("p50_ms")} />
        ${e.map((l,_)=>l.p50_ms==null?null:d`<circle class="p99" cx=${D.left+(_+.5)*r} cy=${D.top+W-l.p99_ms/s*W} r="2.5"><title>${ie(l.start)}: p50 ${M(l.p50_ms)}, p99 ${M(l.p99_ms)}</title></circle>`)}
      </svg>
      <figcaption><span class="key p50"></span> p50 <span class="key p99"></span> p99</figcaption>
    </figure>`}function he({api:e,initial:t,submitLabel:o,onSubmit:n,onCancel:s}){let[r,a]=$(t?.url??""),[c,u]=$(t?.events??["user.created"]),[l,_]=$(t?.room_id??""),[h,i]=$(t?.enabled??!0),[p,m]=$(null),[b,y]=$(!1),g=E(()=>e.get("/rooms?limit=200"),[e]),f=v=>u(C=>C.includes(v)?C.filter(R=>R!==v):[...C,v]);return d`
    <form class="panel form" onSubmit=${async v=>{if(v.preventDefault(),c.length===0){m(new Error("Pick at least one event."));return}y(!0),m(null);try{await n({url:r.trim(),events:c,room_id:l||null,enabled:h})}catch(C){m(C)}finally{y(!1)}}} aria-busy=${b}>
      <label for="wh-url">Receiver URL</label>
      <input id="wh-url" type="url" required placeholder="https://example.com/webhooks/collabkit"
        value=${r} onInput=${v=>a(v.target.value)} />
      <fieldset>
        <legend>Events</legend>
        <div class="checks">
          ${ae.map(v=>d`<label class="check">
              <input type="checkbox" checked=${c.includes(v)} onChange=${()=>f(v)} />
              <code>${v}</code>
            </label>`)}
        </div>
      </fieldset>
      <label for="wh-room">Room</label>
      <select id="wh-room" value=${l} onChange=${v=>_(v.target.value)}>
        <option value="">Every room of the account</option>
        ${(g.data?.rooms??[]).map(v=>d`<option value=${v.id}>${v.name} (${v.customId})</option>`)}
        ${l&&!(g.data?.rooms??[]).some(v=>v.id===l)?d`<option value=${l}>${l}</option>`:null}
      </select>
      <label class="check">
        <input type="checkbox" checked=${h} onChange=${v=>i(v.target.checked)} />
        Enabled (deliveries are sent)
      </label>
      <${P} error=${p} />
      <div class="actions">
        ${s?d`<button type="button" class="secondary" onClick=${s}>Cancel</button>`:null}
        <button type="submit" disabled=${b}>${o}</button>
      </div>
    </form>`}function Ne({health:e}){return!e||e.last_outcome==null?d`<span class="muted">No attempts in 24 h</span>`:e.last_outcome==="failed"?d`<span class="badge badge-failed">Failing</span> <span class="muted">since ${De(e.failing_since)}</span>`:d`<span class="badge badge-success">Succeeded</span> <span class="muted">${De(e.last_attempt_minute)}</span>`}function Re({api:e,reloadKey:t}){let o=E(async()=>{let[n,s]=await Promise.all([e.get("/webhooks?limit=200"),e.get("/stats/webhooks")]),r=new Map(s.webhooks.map(a=>[a.webhook_id,a]));return n.webhooks.map(a=>({...a,health:r.get(a.id)}))},[e,t],1e4);return o.data===void 0&&!o.error?d`<div class="table-placeholder" aria-busy="true">Loading webhooks…</div>`:o.data?.length===0?d`<${A}>
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
              <td data-label="Latest attempt"><${Ne} health=${n.health} /></td>
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
    <${Re} api=${e} reloadKey=${s} />`}function vt({api:e}){let t=E(()=>e.get("/stats/deliveries?minutes=60"),[e],1e4);return d`
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
    </section>`}function bt({api:e,id:t}){let o=E(async()=>{let[{webhook:p},m]=await Promise.all([e.get(`/webhooks/${t}`),e.get("/stats/webhooks")]);return{webhook:p,health:m.webhooks.find(b=>b.webhook_id===t)}},[e,t],1e4),[n,s]=$(!1),[r,a]=$(null),[c,u]=$(null),[l,_]=$(null);if(o.error?.status===404)return d`<h1>Webhook not found</h1><${A}><p>It may have been deleted.</p><a href="#/webhooks">All webhooks</a><//>`;let h=o.data?.webhook,i=async p=>{_(null);try{await p(),await o.reload()}catch(m){_(m)}};return d`
    <p class="crumbs"><a href="#/webhooks">Webhooks</a> ›</p>
    <h1 class="url">${h?.url??"Webhook"}</h1>
    <${P} error=${l??o.error} />
    ${r?d`<${le} title="New signing secret" secret=${r} onDone=${()=>a(null)} />`:null}
    ${h?d`
        <div class="panel facts">
          <dl>
            <dt>Status</dt><dd>${h.enabled?d`<span class="badge badge-on">Enabled</span>`:d`<span class="badge badge-off">Disabled</span>`}</dd>
            <dt>Latest attempt</dt><dd><${Ne} health=${o.data.health} /></dd>
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
    <${Ut} api=${e} id=${t} />
    <${Ot} api=${e} id=${t} />`}function Ut({api:e,id:t}){let o=E(()=>e.get(`/stats/deliveries?minutes=60&webhook_id=${t}`),[e,t],1e4);return d`
    <section aria-labelledby="wh-charts-title">
      <h2 id="wh-charts-title">The last hour</h2>
      <${P} error=${o.error} />
      <div class="charts">
        <div class="panel"><h3>Attempts per minute</h3><${_e} minutes=${o.data?.minutes} /></div>
        <div class="panel"><h3>Attempt latency</h3><${pe} minutes=${o.data?.minutes} /></div>
      </div>
    </section>`}function Ot({api:e,id:t}){let[o,n]=$(""),[s,r]=$(""),[a,c]=$([]),[u,l]=$(void 0),[_,h]=$(null),i=()=>{let f=new URLSearchParams({limit:"25"});return o&&f.set("status",o),s&&f.set("event",s),f},p=E(async()=>await e.get(`/webhooks/${t}/deliveries?${i()}`),[e,t,o,s],3e3),m=[...p.data?.deliveries??[],...a.filter(f=>!(p.data?.deliveries??[]).some(x=>x.id===f.id))],b=u===void 0?p.data?.next_cursor:u,y=async()=>{let f=i();f.set("cursor",b);let x=await e.get(`/webhooks/${t}/deliveries?${f}`);c(v=>[...v,...x.deliveries]),l(x.next_cursor)},g=f=>x=>{f(x.target.value),c([]),l(void 0)};return d`
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
            ${ae.map(f=>d`<option value=${f}>${f}</option>`)}
          </select>
        </label>
      </div>
      <${jt} api=${e} id=${t} onDone=${p.reload} />
      <${P} error=${p.error} />
      ${p.data===void 0&&!p.error?d`<div class="table-placeholder" aria-busy="true">Loading deliveries…</div>`:m.length===0?d`<${A}><p>${o||s?"No deliveries match these filters.":"No deliveries yet. They appear here as soon as a subscribed event happens (create a user, say)."}</p><//>`:d`<ul class="deliveries" aria-label="Deliveries, newest first">
              ${m.map(f=>d`<${qt} key=${f.id} api=${e} id=${t} d=${f} open=${_===f.id}
                onToggle=${()=>h(_===f.id?null:f.id)} onRetried=${p.reload} />`)}
            </ul>`}
      ${b?d`<button type="button" class="secondary" onClick=${y}>Load older deliveries</button>`:null}
    </section>`}function qt({api:e,id:t,d:o,open:n,onToggle:s,onRetried:r}){return d`
    <li class="delivery" data-status=${o.status}>
      <button type="button" class="row" aria-expanded=${n} onClick=${s}>
        <${dt} status=${o.status} />
        <code>${o.event}</code>
        <span class="muted">${q(o.created_at)}</span>
        <span class="muted">${o.attempts} attempt${o.attempts===1?"":"s"}${o.status_code?`, HTTP ${o.status_code}`:""}</span>
        ${o.next_retry_at&&o.status==="pending"?d`<span class="muted">next try ${q(o.next_retry_at)}</span>`:null}
      </button>
      ${n?d`<${Bt} api=${e} id=${t} d=${o} onRetried=${r} />`:null}
    </li>`}function Bt({api:e,id:t,d:o,onRetried:n}){let s=E(()=>e.get(`/webhooks/${t}/deliveries/${o.id}/attempts`),[e,t,o.id,o.attempts]),[r,a]=$(null),[c,u]=$(!1);return d`
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
                <td>${q(_.attempted_at)}</td>
                <td>${_.status_code??"\u2014"}</td>
                <td>${M(_.duration_ms)}</td>
                <td>${_.error??""}</td>
                <td><code class="body">${_.response_body||""}</code></td>
              </tr>`)}</tbody>
          </table></div>`}
      <h3>Payload</h3>
      <pre class="payload" tabindex="0" aria-label="Payload">${ue(o.payload)}</pre>
    </div>`}function jt({api:e,id:t,onDone:o}){let[n,s]=$(_t(new Date(Date.now()-36e5))),[r,a]=$(null),[c,u]=$(null);return d`
    <form class="recover" onSubmit=${async _=>{_.preventDefault(),u(null);try{let h=await e.post(`/webhooks/${t}/recover`,{since:new Date(n).toISOString()});a(`${h.scheduled} failed deliver${h.scheduled===1?"y":"ies"} scheduled again.`),o()}catch(h){u(h)}}}>
      <label for="recover-since">Retry everything that failed since</label>
      <input id="recover-since" type="datetime-local" required value=${n} onInput=${_=>s(_.target.value)} />
      <button type="submit" class="secondary">Retry failed</button>
      <span class="muted" aria-live="polite">${r??""}</span>
      <${P} error=${c} />
    </form>`}function yt(e,t){let[o,n]=$({}),s=t.join(",");return N(()=>{let r=!1,a=async u=>{try{let l=await e.get(`/rooms/${u}/participants`);r||n(_=>({..._,[u]:l.participants}))}catch{}};(async()=>{let u=[...t],l=Array.from({length:4},async()=>{for(;u.length&&!r;)await a(u.shift())});await Promise.all(l)})();let c=e.follow({},u=>{(u.event.startsWith("participant.")||u.event.startsWith("session."))&&t.includes(u.room_id)&&a(u.room_id)});return()=>{r=!0,c()}},[e,s]),o}function gt({participants:e}){return e===void 0?d`<span class="muted">…</span>`:e.length===0?d`<span class="muted">Nobody connected</span>`:d`<ul class="people">
    ${e.map(t=>d`<li><span class="dot" aria-hidden="true"></span>${t.user.name}
        <span class="muted">${t.connections>1?` (${t.connections} connections)`:""}</span></li>`)}
  </ul>`}function wt({api:e}){let t=E(()=>e.get("/rooms?live=true&limit=200"),[e],3e4),o=E(()=>e.get("/rooms?limit=200"),[e],3e4);N(()=>e.follow({},r=>r.event.startsWith("session.")&&t.reload()),[e]);let n=t.data?.rooms??[],s=yt(e,n.map(r=>r.id));return d`
    <h1>Live rooms</h1>
    <p class="muted" aria-live="polite">${t.data?`${n.length} room${n.length===1?"":"s"} with people connected now. Updates as they come and go.`:""}</p>
    <${P} error=${t.error??o.error} />
    ${t.data===void 0&&!t.error?d`<div class="table-placeholder" aria-busy="true">Loading live rooms…</div>`:n.length===0?d`<${A}><p>Nobody is connected to any room right now. A room appears here as soon as someone connects to it (<code>GET /v1/connect?token=…</code>).</p><//>`:d`<ul class="rooms">
            ${n.map(r=>d`<li class="panel room" data-room=${r.id}>
                <h2><a href=${`#/rooms/${r.id}`}>${r.name}</a> <span class="muted">${r.customId}</span></h2>
                <${gt} participants=${s[r.id]} />
              </li>`)}
          </ul>`}
    ${t.data?.next_cursor?d`<p class="muted">Showing the first 200 live rooms.</p>`:null}
    <section aria-labelledby="all-rooms-title">
      <h2 id="all-rooms-title">All rooms</h2>
      ${o.data?.rooms?.length===0?d`<${A}><p>No rooms yet. Create one with <code>POST /v1/accounts/{id}/rooms</code>.</p><//>`:d`<ul class="room-links">
            ${(o.data?.rooms??[]).map(r=>d`<li><a href=${`#/rooms/${r.id}`}>${r.name}</a> <span class="muted">${r.customId}</span></li>`)}
          </ul>`}
      ${o.data?.next_cursor?d`<p class="muted">Showing the first 200 rooms.</p>`:null}
    </section>`}function kt({api:e,id:t}){let o=E(()=>e.get(`/rooms/${t}`),[e,t]),n=yt(e,[t]),s=E(()=>e.get(`/rooms/${t}/recent-events?limit=30`),[e,t]);return N(()=>e.follow({room_id:t},()=>s.reload()),[e,t]),o.error?.status===404?d`<h1>Room not found</h1><${A}><p>It may have been deleted.</p><a href="#/rooms">All rooms</a><//>`:d`
    <p class="crumbs"><a href="#/rooms">Live rooms</a> ›</p>
    <h1>${o.data?.room.name??"Room"}</h1>
    <${P} error=${o.error??s.error} />
    <section class="panel" aria-labelledby="now-title">
      <h2 id="now-title">Connected now</h2>
      <${gt} participants=${n[t]} />
    </section>
    <section aria-labelledby="recent-title">
      <h2 id="recent-title">Recent events</h2>
      ${s.data?.events?.length===0?d`<${A}><p>Nothing has happened in this room yet.</p><//>`:d`<ol class="events" aria-label="Recent events, newest first">
            ${(s.data?.events??[]).map(r=>d`<li>
                <details>
                  <summary><span class="seq" title="Its number in the room (room_seq)">#${r.room_seq}</span>
                    <code>${r.event}</code> <span class="muted">${q(r.created_at)}</span>
                    ${r.payload.user?d` · ${r.payload.user.name}`:null}</summary>
                  <pre class="payload">${ue(JSON.stringify(r.payload))}</pre>
                </details>
              </li>`)}
          </ol>`}
    </section>`}var Te="collabkit.dashboard.credential";function Kt(){let[e,t]=$(location.hash||"#/");return N(()=>{let o=()=>t(location.hash||"#/");return window.addEventListener("hashchange",o),()=>window.removeEventListener("hashchange",o)},[]),e}function Vt({onSignedIn:e,notice:t}){let[o,n]=$(""),[s,r]=$(""),[a,c]=$(null),[u,l]=$(!1);return d`
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
    </main>`}function Jt({credential:e,onSignOut:t}){let o=Kt(),n=se(()=>Ee(e.accountId,e.apiKey,()=>t("Your API key is no longer accepted (it may have been rotated). Sign in again.")),[e]),s=o.replace(/^#\/?/,"").split("/").filter(Boolean).map(decodeURIComponent),r,a="overview";s[0]==="webhooks"?(a="webhooks",r=s[1]&&s[1]!=="new"?d`<${bt} api=${n} id=${s[1]} key=${s[1]} />`:d`<${$t} api=${n} creating=${s[1]==="new"} />`):s[0]==="rooms"?(a="rooms",r=s[1]?d`<${kt} api=${n} id=${s[1]} key=${s[1]} />`:d`<${wt} api=${n} />`):r=d`<${vt} api=${n} />`,N(()=>{document.title=`${{overview:"Overview",webhooks:"Webhooks",rooms:"Live rooms"}[a]} \xB7 CollabKit`},[a]);let c=(u,l,_)=>d`<a href=${u} aria-current=${a===l?"page":void 0}>${_}</a>`;return d`
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
    <main id="main" tabindex="-1">${r}</main>`}function Gt(){let[e,t]=$(()=>{try{return JSON.parse(sessionStorage.getItem(Te))}catch{return null}}),[o,n]=$(null);return e?d`<${Jt} credential=${e} onSignOut=${s=>{sessionStorage.removeItem(Te),n(s??null),t(null)}} />`:d`<${Vt} notice=${o} onSignedIn=${s=>{sessionStorage.setItem(Te,JSON.stringify(s)),n(null),t(s)}} />`}var xt=document.getElementById("app");xt.textContent="";Ge(d`<${Gt} />`,xt);
