var ne,w,He,Nt,L,Ie,Oe,Fe,be,Q,j,Be,ge,ve,ye,Rt,ee={},te=[],At=/acit|ex(?:s|g|n|p|$)|rph|grid|ows|mnc|ntw|ine[ch]|zoo|^ord|itera/i,re=Array.isArray;function I(e,t){for(var o in t)e[o]=t[o];return e}function we(e){e&&e.parentNode&&e.parentNode.removeChild(e)}function ke(e,t,o){var n,s,r,a={};for(r in t)r=="key"?n=t[r]:r=="ref"?s=t[r]:a[r]=t[r];if(arguments.length>2&&(a.children=arguments.length>3?ne.call(arguments,2):o),typeof e=="function"&&e.defaultProps!=null)for(r in e.defaultProps)a[r]===void 0&&(a[r]=e.defaultProps[r]);return X(e,a,n,s,null)}function X(e,t,o,n,s){var r={type:e,props:t,key:o,ref:n,__k:null,__:null,__b:0,__e:null,__c:null,constructor:void 0,__v:s??++He,__i:-1,__u:0};return s==null&&w.vnode!=null&&w.vnode(r),r}function se(e){return e.children}function Z(e,t){this.props=e,this.context=t}function O(e,t){if(t==null)return e.__?O(e.__,e.__i+1):null;for(var o;t<e.__k.length;t++)if((o=e.__k[t])!=null&&o.__e!=null)return o.__e;return typeof e.type=="function"?O(e):null}function Wt(e){if(e.__P&&e.__d){var t=e.__v,o=t.__e,n=[],s=[],r=I({},t);r.__v=t.__v+1,w.vnode&&w.vnode(r),xe(e.__P,r,t,e.__n,e.__P.namespaceURI,32&t.__u?[o]:null,n,o??O(t),!!(32&t.__u),s),r.__v=t.__v,r.__.__k[r.__i]=r,Je(n,r,s),t.__e=t.__=null,r.__e!=o&&Ke(r)}}function Ke(e){if((e=e.__)!=null&&e.__c!=null)return e.__e=e.__c.base=null,e.__k.some(function(t){if(t!=null&&t.__e!=null)return e.__e=e.__c.base=t.__e}),Ke(e)}function Le(e){(!e.__d&&(e.__d=!0)&&L.push(e)&&!oe.__r++||Ie!=w.debounceRendering)&&((Ie=w.debounceRendering)||Oe)(oe)}function oe(){try{for(var e,t=1;L.length;)L.length>t&&L.sort(Fe),e=L.shift(),t=L.length,Wt(e)}finally{L.length=oe.__r=0}}function qe(e,t,o,n,s,r,a,c,u,i,_){var h,l,p,m,v,y,g=n&&n.__k||te,f=t.length;for(u=Dt(o,t,g,u,f),h=0;h<f;h++)(p=o.__k[h])!=null&&(l=p.__i!=-1&&g[p.__i]||ee,p.__i=h,y=xe(e,p,l,s,r,a,c,u,i,_),m=p.__e,p.ref&&l.ref!=p.ref&&(l.ref&&Se(l.ref,null,p),_.push(p.ref,p.__c||m,p)),v==null&&m!=null&&(v=m),4&p.__u?(u=je(p,u,e),l.__e&&(l.__e=null)):typeof p.type=="function"&&y!==void 0?u=y:m&&(u=m.nextSibling),p.__u&=-7);return o.__e=v,u}function Dt(e,t,o,n,s){var r,a,c,u,i,_=o.length,h=_,l=0;for(e.__k=new Array(s),r=0;r<s;r++)(a=t[r])!=null&&typeof a!="boolean"&&typeof a!="function"?(typeof a=="string"||typeof a=="number"||typeof a=="bigint"||a.constructor==String?a=e.__k[r]=X(null,a,null,null,null):re(a)?a=e.__k[r]=X(se,{children:a},null,null,null):a.constructor===void 0&&a.__b>0?a=e.__k[r]=X(a.type,a.props,a.key,a.ref?a.ref:null,a.__v):e.__k[r]=a,u=r+l,a.__=e,a.__b=e.__b+1,c=null,(i=a.__i=Tt(a,o,u,h))!=-1&&(h--,(c=o[i])&&(c.__u|=2)),c==null||c.__v==null?(i==-1&&(s>_?l--:s<_&&l++),typeof a.type!="function"&&(a.__u|=4)):i!=u&&(i==u-1?l--:i==u+1?l++:(i>u?l--:l++,a.__u|=4))):e.__k[r]=null;if(h)for(r=0;r<_;r++)(c=o[r])!=null&&(2&c.__u)==0&&(c.__e==n&&(n=O(c)),Ge(c,c));return n}function je(e,t,o){var n,s;if(typeof e.type=="function"){for(n=e.__k,s=0;n&&s<n.length;s++)n[s]&&(n[s].__=e,t=je(n[s],t,o));return t}e.__e!=t&&(t&&e.type&&!t.parentNode&&(t=O(e)),t=o.insertBefore(e.__e,t||null));do t=t&&t.nextSibling;while(t!=null&&t.nodeType==8);return t}function Tt(e,t,o,n){var s,r,a,c=e.key,u=e.type,i=t[o],_=i!=null&&(2&i.__u)==0;if(i===null&&c==null||_&&c==i.key&&u==i.type)return o;if(n>(_?1:0)){for(s=o-1,r=o+1;s>=0||r<t.length;)if((i=t[a=s>=0?s--:r++])!=null&&(2&i.__u)==0&&c==i.key&&u==i.type)return a}return-1}function Ue(e,t,o){t[0]=="-"?e.setProperty(t,o??""):e[t]=o==null?"":typeof o!="number"||At.test(t)?o:o+"px"}function Y(e,t,o,n,s){var r,a;e:if(t=="style")if(typeof o=="string")e.style.cssText=o;else{if(typeof n=="string"&&(e.style.cssText=n=""),n)for(t in n)o&&t in o||Ue(e.style,t,"");if(o)for(t in o)n&&o[t]==n[t]||Ue(e.style,t,o[t])}else if(t[0]=="o"&&t[1]=="n")r=t!=(t=t.replace(Be,"$1")),a=t.toLowerCase(),t=a in e||t=="onFocusOut"||t=="onFocusIn"?a.slice(2):t.slice(2),e.l||(e.l={}),e.l[t+r]=o,o?n?o[j]=n[j]:(o[j]=ge,e.addEventListener(t,r?ye:ve,r)):e.removeEventListener(t,r?ye:ve,r);else{if(s=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{e[t]=o??"";break e}catch{}typeof o=="function"||(o==null||o===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&o==1?"":o))}}function Me(e){return function(t){if(this.l){var o=this.l[t.type+e];if(t[Q]==null)t[Q]=ge++;else if(t[Q]<o[j])return;return o(w.event?w.event(t):t)}}}function xe(e,t,o,n,s,r,a,c,u,i){var _,h,l,p,m,v,y,g,f,x,b,C,D,B,H,$e,T=t.type;if(t.constructor!==void 0)return null;128&o.__u&&(u=!!(32&o.__u),r=[c=t.__e=o.__e]),(_=w.__b)&&_(t);e:if(typeof T=="function"){h=a.length;try{if(f=t.props,x=T.prototype&&T.prototype.render,b=(_=T.contextType)&&n[_.__c],C=_?b?b.props.value:_.__:n,o.__c?g=(l=t.__c=o.__c).__=l.__E:(x?t.__c=l=new T(f,C):(t.__c=l=new Z(f,C),l.constructor=T,l.render=Lt),b&&b.sub(l),l.state||(l.state={}),l.__n=n,p=l.__d=!0,l.__h=[],l._sb=[]),x&&l.__s==null&&(l.__s=l.state),x&&T.getDerivedStateFromProps!=null&&(l.__s==l.state&&(l.__s=I({},l.__s)),I(l.__s,T.getDerivedStateFromProps(f,l.__s))),m=l.props,v=l.state,l.__v=t,p)x&&T.getDerivedStateFromProps==null&&l.componentWillMount!=null&&l.componentWillMount(),x&&l.componentDidMount!=null&&l.__h.push(l.componentDidMount);else{if(x&&T.getDerivedStateFromProps==null&&f!==m&&l.componentWillReceiveProps!=null&&l.componentWillReceiveProps(f,C),t.__v==o.__v||!l.__e&&l.shouldComponentUpdate!=null&&l.shouldComponentUpdate(f,l.__s,C)===!1){t.__v!=o.__v&&(l.props=f,l.state=l.__s,l.__d=!1),t.__e=o.__e,t.__k=o.__k,t.__k.some(function(K){K&&(K.__=t)}),te.push.apply(l.__h,l._sb),l._sb=[],l.__h.length&&a.push(l),c=O(o);break e}l.componentWillUpdate!=null&&l.componentWillUpdate(f,l.__s,C),x&&l.componentDidUpdate!=null&&l.__h.push(function(){l.componentDidUpdate(m,v,y)})}if(l.context=C,l.props=f,l.__P=e,l.__e=!1,D=w.__r,B=0,x)l.state=l.__s,l.__d=!1,D&&D(t),_=l.render(l.props,l.state,l.context),te.push.apply(l.__h,l._sb),l._sb=[];else do l.__d=!1,D&&D(t),_=l.render(l.props,l.state,l.context),l.state=l.__s;while(l.__d&&++B<25);l.state=l.__s,l.getChildContext!=null&&(n=I(I({},n),l.getChildContext())),x&&!p&&l.getSnapshotBeforeUpdate!=null&&(y=l.getSnapshotBeforeUpdate(m,v)),H=_!=null&&_.type===se&&_.key==null?ze(_.props.children):_,c=qe(e,re(H)?H:[H],t,o,n,s,r,a,c,u,i),l.base=t.__e,t.__u&=-161,l.__h.length&&a.push(l),g&&(l.__E=l.__=null)}catch(K){if(a.length=h,t.__v=null,u||r!=null){if(K.then){for(t.__u|=u?160:128;c&&c.nodeType==8&&c.nextSibling;)c=c.nextSibling;r!=null&&(r[r.indexOf(c)]=null),t.__e=c}else if(r!=null)for($e=r.length;$e--;)we(r[$e])}else t.__e=o.__e;t.__k==null&&(t.__k=o.__k||[]),K.then||Ve(t),w.__e(K,t,o)}}else r==null&&t.__v==o.__v?(t.__k=o.__k,t.__e=o.__e):c=t.__e=It(o.__e,t,o,n,s,r,a,u,i);return(_=w.diffed)&&_(t),128&t.__u?void 0:c}function Ve(e){e&&(e.__c&&(e.__c.__e=!0),e.__k&&e.__k.some(Ve))}function Je(e,t,o){for(var n=0;n<o.length;n++)Se(o[n],o[++n],o[++n]);w.__c&&w.__c(t,e),e.some(function(s){try{e=s.__h,s.__h=[],e.some(function(r){r.call(s)})}catch(r){w.__e(r,s.__v)}})}function ze(e){return typeof e!="object"||e==null||e.__b>0?e:re(e)?e.map(ze):e.constructor!==void 0?null:I({},e)}function It(e,t,o,n,s,r,a,c,u){var i,_,h,l,p,m,v,y=o.props||ee,g=t.props,f=t.type;if(f=="svg"?s="http://www.w3.org/2000/svg":f=="math"?s="http://www.w3.org/1998/Math/MathML":s||(s="http://www.w3.org/1999/xhtml"),r!=null){for(i=0;i<r.length;i++)if((p=r[i])&&"setAttribute"in p==!!f&&(f?p.localName==f:p.nodeType==3)){e=p,r[i]=null;break}}if(e==null){if(f==null)return document.createTextNode(g);e=document.createElementNS(s,f,g.is&&g),c&&(w.__m&&w.__m(t,r),c=!1),r=null}if(f==null)y===g||c&&e.data==g||(e.data=g);else{if(r=f=="textarea"&&g.defaultValue!=null?null:r&&ne.call(e.childNodes),!c&&r!=null)for(y={},i=0;i<e.attributes.length;i++)y[(p=e.attributes[i]).name]=p.value;for(i in y)p=y[i],i=="dangerouslySetInnerHTML"?h=p:i=="children"||i in g||i=="value"&&"defaultValue"in g||i=="checked"&&"defaultChecked"in g||Y(e,i,null,p,s);for(i in g)p=g[i],i=="children"?l=p:i=="dangerouslySetInnerHTML"?_=p:i=="value"?m=p:i=="checked"?v=p:c&&typeof p!="function"||y[i]===p||Y(e,i,p,y[i],s);if(_)c||h&&(_.__html==h.__html||_.__html==e.innerHTML)||(e.innerHTML=_.__html),t.__k=[];else if(h&&(e.innerHTML=""),qe(t.type=="template"?e.content:e,re(l)?l:[l],t,o,n,f=="foreignObject"?"http://www.w3.org/1999/xhtml":s,r,a,r?r[0]:o.__k&&O(o,0),c,u),r!=null)for(i=r.length;i--;)we(r[i]);c&&f!="textarea"||(i="value",f=="progress"&&m==null?e.removeAttribute("value"):m!=null&&(m!==e[i]||f=="progress"&&!m||f=="option"&&m!=y[i])&&Y(e,i,m,y[i],s),i="checked",v!=null&&v!=e[i]&&Y(e,i,v,y[i],s))}return e}function Se(e,t,o){try{if(typeof e=="function"){var n=typeof e.__u=="function";n&&e.__u(),n&&t==null||(e.__u=e(t))}else e.current=t}catch(s){w.__e(s,o)}}function Ge(e,t,o){var n,s;if(w.unmount&&w.unmount(e),(n=e.ref)&&(n.current&&n.current!=e.__e||Se(n,null,t)),(n=e.__c)!=null){if(n.componentWillUnmount)try{n.componentWillUnmount()}catch(r){w.__e(r,t)}n.base=n.__P=n.__n=null}if(n=e.__k)for(s=0;s<n.length;s++)n[s]&&Ge(n[s],t,o||typeof e.type!="function");o||we(e.__e),e.__c=e.__=e.__e=void 0}function Lt(e,t,o){return this.constructor(e,o)}function Ye(e,t,o){var n,s,r,a;t==document&&(t=document.documentElement),w.__&&w.__(e,t),s=(n=typeof o=="function")?null:o&&o.__k||t.__k,r=[],a=[],xe(t,e=(!n&&o||t).__k=ke(se,null,[e]),s||ee,ee,t.namespaceURI,!n&&o?[o]:s?null:t.firstChild?ne.call(t.childNodes):null,r,!n&&o?o:s?s.__e:t.firstChild,n,a),Je(r,e,a),e.props.children=null}ne=te.slice,w={__e:function(e,t,o,n){for(var s,r,a;t=t.__;)if((s=t.__c)&&!s.__)try{if((r=s.constructor)&&r.getDerivedStateFromError!=null&&(s.setState(r.getDerivedStateFromError(e)),a=s.__d),s.componentDidCatch!=null&&(s.componentDidCatch(e,n||{}),a=s.__d),a)return s.__E=s}catch(c){e=c}throw e}},He=0,Nt=function(e){return e!=null&&e.constructor===void 0},Z.prototype.setState=function(e,t){var o;o=this.__s!=null&&this.__s!=this.state?this.__s:this.__s=I({},this.state),typeof e=="function"&&(e=e(I({},o),this.props)),e&&I(o,e),e!=null&&this.__v&&(t&&this._sb.push(t),Le(this))},Z.prototype.forceUpdate=function(e){this.__v&&(this.__e=!0,e&&this.__h.push(e),Le(this))},Z.prototype.render=se,L=[],Oe=typeof Promise=="function"?Promise.prototype.then.bind(Promise.resolve()):setTimeout,Fe=function(e,t){return e.__v.__b-t.__v.__b},oe.__r=0,be=Math.random().toString(8),Q="__d"+be,j="__a"+be,Be=/(PointerCapture)$|Capture$/i,ge=0,ve=Me(!1),ye=Me(!0),Rt=0;var V,k,Ce,Qe,J=0,st=[],S=w,Xe=S.__b,Ze=S.__r,et=S.diffed,tt=S.__c,ot=S.unmount,nt=S.__;function Pe(e,t){S.__h&&S.__h(k,e,J||t),J=0;var o=k.__H||(k.__H={__:[],__h:[]});return e>=o.__.length&&o.__.push({}),o.__[e]}function $(e){return J=1,Ut(lt,e)}function Ut(e,t,o){var n=Pe(V++,2);if(n.t=e,!n.__c&&(n.__=[o?o(t):lt(void 0,t),function(c){var u=n.__N?n.__N[0]:n.__[0],i=n.t(u,c);u!==i&&(n.__N=[i,n.__[1]],n.__c.setState({}))}],n.__c=k,!k.__f)){var s=function(c,u,i){if(!n.__c.__H)return!0;var _=!1,h=n.__c.props!==c;if(n.__c.__H.__.some(function(p){if(p.__N){_=!0;var m=p.__[0];p.__=p.__N,p.__N=void 0,m!==p.__[0]&&(h=!0)}}),r){var l=r.call(this,c,u,i);return _?l||h:l}return!_||h};k.__f=!0;var r=k.shouldComponentUpdate,a=k.componentWillUpdate;k.componentWillUpdate=function(c,u,i){if(this.__e){var _=r;r=void 0,s(c,u,i),r=_}a&&a.call(this,c,u,i)},k.shouldComponentUpdate=s}return n.__N||n.__}function A(e,t){var o=Pe(V++,3);!S.__s&&it(o.__H,t)&&(o.__=e,o.u=t,k.__H.__h.push(o))}function ie(e){return J=5,le(function(){return{current:e}},[])}function le(e,t){var o=Pe(V++,7);return it(o.__H,t)&&(o.__=e(),o.__H=t,o.__h=e),o.__}function at(e,t){return J=8,le(function(){return e},t)}function Mt(){for(var e;e=st.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(ae),t.__h.some(Ee),t.__h=[]}catch(o){t.__h=[],S.__e(o,e.__v)}}}S.__b=function(e){k=null,Xe&&Xe(e)},S.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),nt&&nt(e,t)},S.__r=function(e){Ze&&Ze(e),V=0;var t=(k=e.__c).__H;t&&(Ce===k?(t.__h=[],k.__h=[],t.__.some(function(o){o.__N&&(o.__=o.__N),o.u=o.__N=void 0})):(t.__h.some(ae),t.__h.some(Ee),t.__h=[],V=0)),Ce=k},S.diffed=function(e){et&&et(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&(st.push(t)!==1&&Qe===S.requestAnimationFrame||((Qe=S.requestAnimationFrame)||Ht)(Mt)),t.__H.__.some(function(o){o.u&&(o.__H=o.u,o.u=void 0)})),Ce=k=null},S.__c=function(e,t){t.some(function(o){try{o.__h.some(ae),o.__h=o.__h.filter(function(n){return!n.__||Ee(n)})}catch(n){t.some(function(s){s.__h&&(s.__h=[])}),t=[],S.__e(n,o.__v)}}),tt&&tt(e,t)},S.unmount=function(e){ot&&ot(e);var t,o=e.__c;o&&o.__H&&(o.__H.__.some(function(n){try{ae(n)}catch(s){t=s}}),o.__H=void 0,t&&S.__e(t,o.__v))};var rt=typeof requestAnimationFrame=="function";function Ht(e){var t,o=function(){clearTimeout(n),rt&&cancelAnimationFrame(t),setTimeout(e)},n=setTimeout(o,35);rt&&(t=requestAnimationFrame(o))}function ae(e){var t=k,o=e.__c;typeof o=="function"&&(e.__c=void 0,o()),k=t}function Ee(e){var t=k;e.__c=e.__(),k=t}function it(e,t){return!e||e.length!==t.length||t.some(function(o,n){return o!==e[n]})}function lt(e,t){return typeof t=="function"?t(e):t}var ut=function(e,t,o,n){var s;t[0]=0;for(var r=1;r<t.length;r++){var a=t[r++],c=t[r]?(t[0]|=a?1:2,o[t[r++]]):t[++r];a===3?n[0]=c:a===4?n[1]=Object.assign(n[1]||{},c):a===5?(n[1]=n[1]||{})[t[++r]]=c:a===6?n[1][t[++r]]+=c+"":a?(s=e.apply(c,ut(e,c,o,["",null])),n.push(s),c[0]?t[0]|=2:(t[r-2]=0,t[r]=s)):n.push(c)}return n},ct=new Map;function dt(e){var t=ct.get(this);return t||(t=new Map,ct.set(this,t)),(t=ut(this,t.get(e)||(t.set(e,t=(function(o){for(var n,s,r=1,a="",c="",u=[0],i=function(l){r===1&&(l||(a=a.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?u.push(0,l,a):r===3&&(l||a)?(u.push(3,l,a),r=2):r===2&&a==="..."&&l?u.push(4,l,0):r===2&&a&&!l?u.push(5,0,!0,a):r>=5&&((a||!l&&r===5)&&(u.push(r,0,a,s),r=6),l&&(u.push(r,l,0,s),r=6)),a=""},_=0;_<o.length;_++){_&&(r===1&&i(),i(_));for(var h=0;h<o[_].length;h++)n=o[_][h],r===1?n==="<"?(i(),u=[u],r=3):a+=n:r===4?a==="--"&&n===">"?(r=1,a=""):a=n+a[0]:c?n===c?c="":a+=n:n==='"'||n==="'"?c=n:n===">"?(i(),r=1):r&&(n==="="?(r=5,s=a,a=""):n==="/"&&(r<5||o[_][h+1]===">")?(i(),r===3&&(u=u[0]),r=u,(u=u[0]).push(2,0,r),r=0):n===" "||n==="	"||n===`
`||n==="\r"?(i(),r=2):a+=n),r===3&&a==="!--"&&(r=4,u=u[0])}return i(),u})(e)),t),arguments,[])).length>1?t:t[0]}var d=dt.bind(ke);var z=["participant.joined","participant.left","session.started","session.closed","user.created","user.updated","user.deleted"];var F=class extends Error{constructor(t,o,n){super(n),this.status=t,this.code=o}},Ot="The server could not be reached. Is `collabkit serve` still running at this address?";function Ft(e,t){let o=new TextEncoder().encode(`${e}:${t}`),n="";for(let s of o)n+=String.fromCharCode(s);return btoa(n)}function G(e){return typeof e=="string"&&e.length>0&&e.length<=256&&e!=="."&&e!==".."&&!/[\u0000-\u001f\u007f]/.test(e)}function P(e,...t){return e.reduce((o,n,s)=>{let r=t[s-1];if(!G(String(r)))throw new F(0,"invalid_id",`"${r}" is not a valid id.`);return o+encodeURIComponent(String(r))+n})}function Ne(e,t,o){let n=`/v1/accounts/${encodeURIComponent(e)}`,s={authorization:`Bearer ${Ft(e,t)}`};async function r(a,c,u){let i;try{i=await fetch(n+c,{method:a,headers:u===void 0?s:{...s,"content-type":"application/json"},body:u===void 0?void 0:JSON.stringify(u)})}catch{throw new F(0,"unreachable",Ot)}if(i.status===204)return null;let _=null;try{_=await i.json()}catch{}if(!i.ok){let h=_?.error,l=new F(i.status,h?.code??"http_error",h?.message??`The server answered ${i.status} ${i.statusText}.`);throw i.status===401&&o&&o(l),l}return _?.data}return{accountId:e,get:a=>r("GET",a),post:(a,c)=>r("POST",a,c??{}),patch:(a,c)=>r("PATCH",a,c),del:a=>r("DELETE",a),follow(a,c){let u=!1,i=null,_=null;return(async()=>{let h=500;for(;!u;){i=new AbortController;try{let l=new URLSearchParams(a);_&&l.set("cursor",_);let p=await fetch(`${n}/events/stream?${l}`,{headers:s,signal:i.signal});if(!p.ok||!p.body)throw new Error(`stream answered ${p.status}`);h=500;let m=p.body.pipeThrough(new TextDecoderStream).getReader(),v="";for(;;){let{value:y,done:g}=await m.read();if(g)break;v+=y;let f;for(;(f=v.indexOf(`

`))>=0;){let x=v.slice(0,f);v=v.slice(f+2);let b={};for(let C of x.split(`
`)){let D=C.indexOf(":");if(D<=0)continue;let B=C.slice(0,D),H=C.slice(D+1).replace(/^ /,"");b[B]=b[B]?`${b[B]}
${H}`:H}if(b.id&&(_=b.id),b.data)try{c(JSON.parse(b.data))}catch{}}}}catch{}if(u)break;await new Promise(l=>setTimeout(l,h)),h=Math.min(h*2,1e4)}})(),()=>{u=!0,i?.abort()}}}}async function _t(e,t){if(!G(e))throw new F(0,"invalid_id","That is not an account id (they look like `acct_\u2026`).");let o=Ne(e,t);try{await o.get("/webhooks?limit=1")}catch(n){throw n.status===401||n.status===403||n.status===404?new F(n.status,n.code,"That account id and API key do not match. Check both (the key was printed once when the account was created; `collabkit accounts rotate-key` makes a new one)."):n}return o}function E(e,t,o){let[n,s]=$({data:void 0,error:null}),r=ie(e);r.current=e;let a=at(async()=>{try{let c=await r.current();s({data:c,error:null})}catch(c){s(u=>({data:u.data,error:c}))}},[]);return A(()=>{if(s({data:void 0,error:null}),a(),!o)return;let c=setInterval(()=>{document.visibilityState==="visible"&&a()},o);return()=>clearInterval(c)},t),{...n,reload:a}}function N({error:e}){return e?d`<p class="error" role="alert">${e.message}</p>`:null}function pt({status:e}){let t={success:"Succeeded",failed:"Failed",pending:"Pending"}[e]??e;return d`<span class="badge badge-${e}">${t}</span>`}function W({children:e}){return d`<div class="empty">${e}</div>`}function ce({secret:e,title:t,onDone:o}){let[n,s]=$(!1),r=ie(null);return d`
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
    </section>`}function Re({open:e,title:t,children:o,confirmLabel:n,onConfirm:s,onCancel:r}){let a=ie(null);return A(()=>{let c=a.current;c&&(e&&!c.open&&c.showModal(),!e&&c.open&&c.close())},[e]),d`
    <dialog ref=${a} aria-labelledby="confirm-title" onCancel=${c=>{c.preventDefault(),r()}}>
      <h3 id="confirm-title">${t}</h3>
      <div>${o}</div>
      <div class="actions">
        <button type="button" class="secondary" onClick=${r}>Cancel</button>
        <button type="button" class="danger" onClick=${s}>${n}</button>
      </div>
    </dialog>`}var Bt=new Intl.DateTimeFormat(void 0,{year:"numeric",month:"short",day:"numeric",hour:"2-digit",minute:"2-digit",second:"2-digit"}),Kt=new Intl.DateTimeFormat(void 0,{hour:"2-digit",minute:"2-digit"}),q=e=>e?Bt.format(new Date(e)):"\u2014",ue=e=>Kt.format(new Date(e));function Ae(e){if(!e)return"never";let t=Math.round((Date.now()-new Date(e).getTime())/1e3);return t<60?"just now":t<3600?`${Math.floor(t/60)} min ago`:t<86400?`${Math.floor(t/3600)} h ago`:`${Math.floor(t/86400)} d ago`}var de=e=>e==null?"\u2014":`${(e*100).toFixed(e>=.999||e===0?0:1)} %`,U=e=>e==null?"\u2014":e>=1e3?`${(e/1e3).toFixed(e>=1e4?0:1)} s`:`${e} ms`;function _e(e){try{return JSON.stringify(JSON.parse(e),null,2)}catch{return e}}function ht(e){let t=o=>String(o).padStart(2,"0");return`${e.getFullYear()}-${t(e.getMonth()+1)}-${t(e.getDate())}T${t(e.getHours())}:${t(e.getMinutes())}`}var pe=160,R={left:44,right:8,top:10,bottom:22},M=pe-R.top-R.bottom,ft="(max-width: 600px)";function mt(){let[e,t]=$(()=>matchMedia(ft).matches);A(()=>{let n=matchMedia(ft),s=()=>t(n.matches);return n.addEventListener("change",s),()=>n.removeEventListener("change",s)},[]);let o=e?360:600;return[o,o-R.left-R.right]}function $t(e){if(e<=4)return 4;let t=10**Math.floor(Math.log10(e));for(let o of[1,2,2.5,5,10])if(o*t>=e)return o*t;return 10*t}function bt({W:e,plotW:t,minutes:o,max:n,unit:s}){let r=[0,n/2,n],a=Math.max(1,Math.round(o.length/(e<600?3:4)));return d`
    <g class="axis" aria-hidden="true">
      ${r.map(c=>{let u=R.top+M-c/n*M;return d`<line x1=${R.left} x2=${e-R.right} y1=${u} y2=${u} class="grid" />
          <text x=${R.left-6} y=${u+4} text-anchor="end">${s(c)}</text>`})}
      ${o.map((c,u)=>u%a===0?d`<text x=${R.left+(u+.5)*(t/o.length)} y=${pe-6} text-anchor="middle">${ue(c.start)}</text>`:null)}
    </g>`}function he({minutes:e}){let[t,o]=mt();if(!e)return d`<div class="chart chart-placeholder" aria-busy="true"></div>`;let n=e.reduce((i,_)=>i+_.succeeded,0),s=e.reduce((i,_)=>i+_.failed,0),r=$t(Math.max(...e.map(i=>i.succeeded+i.failed))),a=o/e.length,c=i=>i/r*M,u=`Attempts per minute over the last ${e.length} minutes: ${n} succeeded, ${s} failed.`;return d`
    <figure class="chart">
      <svg viewBox="0 0 ${t} ${pe}" role="img" aria-label=${u}>
        <${bt} W=${t} plotW=${o} minutes=${e} max=${r} unit=${i=>String(Math.round(i))} />
        ${e.map((i,_)=>{let h=R.left+_*a+a*.15,l=c(i.succeeded),p=c(i.failed),m=R.top+M;return d`<g>
            <title>${ue(i.start)}: ${i.succeeded} succeeded, ${i.failed} failed</title>
            ${i.succeeded?d`<rect class="ok" x=${h} width=${a*.7} y=${m-l} height=${l} />`:null}
            ${i.failed?d`<rect class="fail" x=${h} width=${a*.7} y=${m-l-p} height=${p} />`:null}
          </g>`})}
      </svg>
      <figcaption>
        <span class="key ok"></span> succeeded (${n}) <span class="key fail"></span> failed (${s})
      </figcaption>
    </figure>`}function fe({minutes:e}){let[t,o]=mt();if(!e)return d`<div class="chart chart-placeholder" aria-busy="true"></div>`;let n=e.flatMap(i=>[i.p50_ms,i.p99_ms]).filter(i=>i!=null),s=$t(Math.max(1,...n)),r=o/e.length,a=i=>{let _="",h=!1;return e.forEach((l,p)=>{let m=l[i];if(m==null){h=!1;return}let v=R.left+(p+.5)*r,y=R.top+M-m/s*M;_+=`${h?"L":"M"}${v.toFixed(1)},${y.toFixed(1)}`,h=!0}),_},c=[...e].reverse().find(i=>i.p50_ms!=null),u=c?`Attempt latency: latest minute with attempts p50 ${U(c.p50_ms)}, p99 ${U(c.p99_ms)}.`:"Attempt latency: no attempts in this window.";return d`
    <figure class="chart">
      <svg viewBox="0 0 ${t} ${pe}" role="img" aria-label=${u}>
        <${bt} W=${t} plotW=${o} minutes=${e} max=${s} unit=${i=>U(Math.round(i))} />
        <path class="p99" d=${a("p99_ms")} />
        <path class="p50" d=${a("p50_ms")} />
        ${e.map((i,_)=>i.p50_ms==null?null:d`<circle class="p99" cx=${R.left+(_+.5)*r} cy=${R.top+M-i.p99_ms/s*M} r="2.5"><title>${ue(i.start)}: p50 ${U(i.p50_ms)}, p99 ${U(i.p99_ms)}</title></circle>`)}
      </svg>
      <figcaption><span class="key p50"></span> p50 <span class="key p99"></span> p99</figcaption>
    </figure>`}function me({api:e,initial:t,submitLabel:o,onSubmit:n,onCancel:s}){let[r,a]=$(t?.url??""),[c,u]=$(t?.events??["user.created"]),[i,_]=$(t?.room_id??""),[h,l]=$(t?.enabled??!0),[p,m]=$(null),[v,y]=$(!1),g=E(()=>e.get("/rooms?limit=200"),[e]),f=b=>u(C=>C.includes(b)?C.filter(D=>D!==b):[...C,b]);return d`
    <form class="panel form" onSubmit=${async b=>{if(b.preventDefault(),c.length===0){m(new Error("Pick at least one event."));return}y(!0),m(null);try{await n({url:r.trim(),events:c,room_id:i||null,enabled:h})}catch(C){m(C)}finally{y(!1)}}} aria-busy=${v}>
      <label for="wh-url">Receiver URL</label>
      <input id="wh-url" type="url" required placeholder="https://example.com/webhooks/collabkit"
        value=${r} onInput=${b=>a(b.target.value)} />
      <fieldset>
        <legend>Events</legend>
        <div class="checks">
          ${z.map(b=>d`<label class="check">
              <input type="checkbox" checked=${c.includes(b)} onChange=${()=>f(b)} />
              <code>${b}</code>
            </label>`)}
        </div>
      </fieldset>
      <label for="wh-room">Room</label>
      <select id="wh-room" value=${i} onChange=${b=>_(b.target.value)}>
        <option value="">Every room of the account</option>
        ${(g.data?.rooms??[]).map(b=>d`<option value=${b.id}>${b.name} (${b.customId})</option>`)}
        ${i&&!(g.data?.rooms??[]).some(b=>b.id===i)?d`<option value=${i}>${i}</option>`:null}
      </select>
      <label class="check">
        <input type="checkbox" checked=${h} onChange=${b=>l(b.target.checked)} />
        Enabled (deliveries are sent)
      </label>
      <${N} error=${p} />
      <div class="actions">
        ${s?d`<button type="button" class="secondary" onClick=${s}>Cancel</button>`:null}
        <button type="submit" disabled=${v}>${o}</button>
      </div>
    </form>`}function We({health:e}){return!e||e.last_outcome==null?d`<span class="muted">No attempts in 24 h</span>`:e.last_outcome==="failed"?d`<span class="badge badge-failed">Failing</span> <span class="muted">since ${Ae(e.failing_since)}</span>`:d`<span class="badge badge-success">Succeeded</span> <span class="muted">${Ae(e.last_attempt_minute)}</span>`}function De({api:e,reloadKey:t}){let o=E(async()=>{let[n,s]=await Promise.all([e.get("/webhooks?limit=200"),e.get("/stats/webhooks")]),r=new Map(s.webhooks.map(a=>[a.webhook_id,a]));return n.webhooks.map(a=>({...a,health:r.get(a.id)}))},[e,t],1e4);return o.data===void 0&&!o.error?d`<div class="table-placeholder" aria-busy="true">Loading webhooks…</div>`:o.data?.length===0?d`<${W}>
      <p>No webhooks yet. Register a URL and CollabKit will send it signed events as they happen.</p>
      <a class="button" href="#/webhooks/new">Create a webhook</a>
    <//>`:d`
    <${N} error=${o.error} />
    <div class="table-wrap">
      <table class="cards">
        <caption class="visually-hidden">Webhooks with their latest outcome and success rate</caption>
        <thead><tr><th scope="col">Receiver</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Latest attempt</th><th scope="col">Success (24 h)</th></tr></thead>
        <tbody>
          ${(o.data??[]).map(n=>d`<tr>
              <td class="url"><a href=${`#/webhooks/${encodeURIComponent(n.id)}`}>${n.url}</a>${n.room_id?d`<div class="muted">room ${n.room_id}</div>`:null}</td>
              <td data-label="Events">${n.events.length===7?"all 7":n.events.join(", ")}</td>
              <td data-label="Status">${n.enabled?d`<span class="badge badge-on">Enabled</span>`:d`<span class="badge badge-off">Disabled</span>`}</td>
              <td data-label="Latest attempt"><${We} health=${n.health} /></td>
              <td data-label="Success (24 h)">${de(n.health?.success_rate_24h)} <span class="muted">${n.health?.attempts_24h?`of ${n.health.attempts_24h}`:""}</span></td>
            </tr>`)}
        </tbody>
      </table>
    </div>`}function vt({api:e,creating:t}){let[o,n]=$(null),[s,r]=$(0),a=async c=>{let u=await e.post("/webhooks",c);n(u.webhook),r(i=>i+1),location.hash="#/webhooks"};return d`
    <div class="title-row">
      <h1>Webhooks</h1>
      ${t?null:d`<a class="button" href="#/webhooks/new">New webhook</a>`}
    </div>
    ${o?d`<${ce} title=${`Webhook created for ${o.url}`} secret=${o.secret} onDone=${()=>n(null)} />`:null}
    ${t?d`<section aria-labelledby="new-title"><h2 id="new-title">New webhook</h2>
          <${me} api=${e} submitLabel="Create webhook" onSubmit=${a} onCancel=${()=>location.hash="#/webhooks"} />
        </section>`:null}
    <${De} api=${e} reloadKey=${s} />`}function yt({api:e}){let t=E(()=>e.get("/stats/deliveries?minutes=60"),[e],1e4);return d`
    <h1>Overview</h1>
    <section aria-labelledby="charts-title">
      <h2 id="charts-title">The last hour</h2>
      <${N} error=${t.error} />
      <div class="charts">
        <div class="panel">
          <h3>Delivery attempts per minute</h3>
          <${he} minutes=${t.data?.minutes} />
        </div>
        <div class="panel">
          <h3>Attempt latency</h3>
          <${fe} minutes=${t.data?.minutes} />
        </div>
      </div>
    </section>
    <section aria-labelledby="health-title">
      <h2 id="health-title">Webhooks</h2>
      <${De} api=${e} />
    </section>`}function gt({api:e,id:t}){let o=E(async()=>{let[{webhook:p},m]=await Promise.all([e.get(P`/webhooks/${t}`),e.get("/stats/webhooks")]);return{webhook:p,health:m.webhooks.find(v=>v.webhook_id===t)}},[e,t],1e4),[n,s]=$(!1),[r,a]=$(null),[c,u]=$(null),[i,_]=$(null);if(o.error?.status===404)return d`<h1>Webhook not found</h1><${W}><p>It may have been deleted.</p><a href="#/webhooks">All webhooks</a><//>`;let h=o.data?.webhook,l=async p=>{_(null);try{await p(),await o.reload()}catch(m){_(m)}};return d`
    <p class="crumbs"><a href="#/webhooks">Webhooks</a> ›</p>
    <h1 class="url">${h?.url??"Webhook"}</h1>
    <${N} error=${i??o.error} />
    ${r?d`<${ce} title="New signing secret" secret=${r} onDone=${()=>a(null)} />`:null}
    ${h?d`
        <div class="panel facts">
          <dl>
            <dt>Status</dt><dd>${h.enabled?d`<span class="badge badge-on">Enabled</span>`:d`<span class="badge badge-off">Disabled</span>`}</dd>
            <dt>Latest attempt</dt><dd><${We} health=${o.data.health} /></dd>
            <dt>Success (24 h)</dt><dd>${de(o.data.health?.success_rate_24h)}</dd>
            <dt>Events</dt><dd>${h.events.map(p=>d`<code class="tag">${p}</code> `)}</dd>
            <dt>Room</dt><dd>${h.room_id??"Every room"}</dd>
            <dt>Id</dt><dd><code>${h.id}</code></dd>
          </dl>
          <div class="actions">
            <button type="button" class="secondary" onClick=${()=>s(!n)} aria-expanded=${n}>Edit</button>
            <button type="button" class="secondary" onClick=${()=>l(()=>e.patch(P`/webhooks/${t}`,{enabled:!h.enabled}))}>${h.enabled?"Disable":"Enable"}</button>
            <button type="button" class="secondary" onClick=${()=>u("rotate")}>Rotate secret</button>
            <button type="button" class="danger" onClick=${()=>u("delete")}>Delete</button>
          </div>
        </div>
        ${n?d`<section aria-labelledby="edit-title"><h2 id="edit-title">Edit webhook</h2>
              <${me} api=${e} initial=${h} submitLabel="Save changes"
                onSubmit=${async p=>{await e.patch(P`/webhooks/${t}`,p),s(!1),await o.reload()}}
                onCancel=${()=>s(!1)} /></section>`:null}`:d`<div class="panel facts placeholder" aria-busy="true"></div>`}
    <${Re} open=${c==="delete"} title="Delete this webhook?" confirmLabel="Delete webhook"
      onCancel=${()=>u(null)}
      onConfirm=${async()=>{u(null);try{await e.del(P`/webhooks/${t}`),location.hash="#/webhooks"}catch(p){_(p)}}}>
      <p>Its deliveries and their log are deleted with it, and nothing more is sent to <code>${h?.url}</code>.</p>
    <//>
    <${Re} open=${c==="rotate"} title="Rotate the signing secret?" confirmLabel="Rotate secret"
      onCancel=${()=>u(null)}
      onConfirm=${()=>{u(null),l(async()=>a((await e.post(P`/webhooks/${t}/rotate-secret`)).webhook.secret))}}>
      <p>Deliveries are signed with the new secret and, for 24 hours, also with the old one, so you can update your receiver without losing any.</p>
    <//>
    <${qt} api=${e} id=${t} />
    <${jt} api=${e} id=${t} />`}function qt({api:e,id:t}){let o=E(()=>e.get(`/stats/deliveries?${new URLSearchParams({minutes:"60",webhook_id:t})}`),[e,t],1e4);return d`
    <section aria-labelledby="wh-charts-title">
      <h2 id="wh-charts-title">The last hour</h2>
      <${N} error=${o.error} />
      <div class="charts">
        <div class="panel"><h3>Attempts per minute</h3><${he} minutes=${o.data?.minutes} /></div>
        <div class="panel"><h3>Attempt latency</h3><${fe} minutes=${o.data?.minutes} /></div>
      </div>
    </section>`}function jt({api:e,id:t}){let[o,n]=$(""),[s,r]=$(""),[a,c]=$([]),[u,i]=$(void 0),[_,h]=$(null),l=()=>{let f=new URLSearchParams({limit:"25"});return o&&f.set("status",o),s&&f.set("event",s),f},p=E(async()=>await e.get(`${P`/webhooks/${t}/deliveries`}?${l()}`),[e,t,o,s],3e3),m=[...p.data?.deliveries??[],...a.filter(f=>!(p.data?.deliveries??[]).some(x=>x.id===f.id))],v=u===void 0?p.data?.next_cursor:u,y=async()=>{let f=l();f.set("cursor",v);let x=await e.get(`${P`/webhooks/${t}/deliveries`}?${f}`);c(b=>[...b,...x.deliveries]),i(x.next_cursor)},g=f=>x=>{f(x.target.value),c([]),i(void 0)};return d`
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
            ${z.map(f=>d`<option value=${f}>${f}</option>`)}
          </select>
        </label>
      </div>
      <${zt} api=${e} id=${t} onDone=${p.reload} />
      <${N} error=${p.error} />
      ${p.data===void 0&&!p.error?d`<div class="table-placeholder" aria-busy="true">Loading deliveries…</div>`:m.length===0?d`<${W}><p>${o||s?"No deliveries match these filters.":"No deliveries yet. They appear here as soon as a subscribed event happens (create a user, say)."}</p><//>`:d`<ul class="deliveries" aria-label="Deliveries, newest first">
              ${m.map(f=>d`<${Vt} key=${f.id} api=${e} id=${t} d=${f} open=${_===f.id}
                onToggle=${()=>h(_===f.id?null:f.id)} onRetried=${p.reload} />`)}
            </ul>`}
      ${v?d`<button type="button" class="secondary" onClick=${y}>Load older deliveries</button>`:null}
    </section>`}function Vt({api:e,id:t,d:o,open:n,onToggle:s,onRetried:r}){return d`
    <li class="delivery" data-status=${o.status}>
      <button type="button" class="row" aria-expanded=${n} onClick=${s}>
        <${pt} status=${o.status} />
        <code>${o.event}</code>
        <span class="muted">${q(o.created_at)}</span>
        <span class="muted">${o.attempts} attempt${o.attempts===1?"":"s"}${o.status_code?`, HTTP ${o.status_code}`:""}</span>
        ${o.next_retry_at&&o.status==="pending"?d`<span class="muted">next try ${q(o.next_retry_at)}</span>`:null}
      </button>
      ${n?d`<${Jt} api=${e} id=${t} d=${o} onRetried=${r} />`:null}
    </li>`}function Jt({api:e,id:t,d:o,onRetried:n}){let s=E(()=>e.get(P`/webhooks/${t}/deliveries/${o.id}/attempts`),[e,t,o.id,o.attempts]),[r,a]=$(null),[c,u]=$(!1);return d`
    <div class="detail">
      <div class="actions">
        <button type="button" onClick=${async()=>{a(null);try{await e.post(P`/webhooks/${t}/deliveries/${o.id}/retry`),u(!0),n()}catch(_){a(_)}}}>Retry delivery</button>
        <span class="muted" aria-live="polite">${c?"Scheduled: it is attempted again now.":""}</span>
      </div>
      <${N} error=${r??s.error} />
      <h3>Attempts</h3>
      ${s.data?.attempts?.length===0?d`<p class="muted">Not attempted yet.</p>`:d`<div class="table-wrap"><table class="attempts">
            <thead><tr><th scope="col">Time</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Error</th><th scope="col">Response body</th></tr></thead>
            <tbody>${(s.data?.attempts??[]).map(_=>d`<tr>
                <td>${q(_.attempted_at)}</td>
                <td>${_.status_code??"\u2014"}</td>
                <td>${U(_.duration_ms)}</td>
                <td>${_.error??""}</td>
                <td><code class="body">${_.response_body||""}</code></td>
              </tr>`)}</tbody>
          </table></div>`}
      <h3>Payload</h3>
      <pre class="payload" tabindex="0" aria-label="Payload">${_e(o.payload)}</pre>
    </div>`}function zt({api:e,id:t,onDone:o}){let[n,s]=$(ht(new Date(Date.now()-36e5))),[r,a]=$(null),[c,u]=$(null);return d`
    <form class="recover" onSubmit=${async _=>{_.preventDefault(),u(null);try{let h=await e.post(P`/webhooks/${t}/recover`,{since:new Date(n).toISOString()});a(`${h.scheduled} failed deliver${h.scheduled===1?"y":"ies"} scheduled again.`),o()}catch(h){u(h)}}}>
      <label for="recover-since">Retry everything that failed since</label>
      <input id="recover-since" type="datetime-local" required value=${n} onInput=${_=>s(_.target.value)} />
      <button type="submit" class="secondary">Retry failed</button>
      <span class="muted" aria-live="polite">${r??""}</span>
      <${N} error=${c} />
    </form>`}var wt=e=>`#/rooms/${encodeURIComponent(e)}`;function kt(e,t){let[o,n]=$({}),s=t.join(",");return A(()=>{let r=!1,a=async u=>{try{let i=await e.get(P`/rooms/${u}/participants`);r||n(_=>({..._,[u]:i.participants}))}catch{}};(async()=>{let u=[...t],i=Array.from({length:4},async()=>{for(;u.length&&!r;)await a(u.shift())});await Promise.all(i)})();let c=e.follow({},u=>{(u.event.startsWith("participant.")||u.event.startsWith("session."))&&t.includes(u.room_id)&&a(u.room_id)});return()=>{r=!0,c()}},[e,s]),o}function xt({participants:e}){return e===void 0?d`<span class="muted">…</span>`:e.length===0?d`<span class="muted">Nobody connected</span>`:d`<ul class="people">
    ${e.map(t=>d`<li><span class="dot" aria-hidden="true"></span>${t.user.name}
        <span class="muted">${t.connections>1?` (${t.connections} connections)`:""}</span></li>`)}
  </ul>`}function St({api:e}){let t=E(()=>e.get("/rooms?live=true&limit=200"),[e],3e4),o=E(()=>e.get("/rooms?limit=200"),[e],3e4);A(()=>e.follow({},r=>r.event.startsWith("session.")&&t.reload()),[e]);let n=t.data?.rooms??[],s=kt(e,n.map(r=>r.id));return d`
    <h1>Live rooms</h1>
    <p class="muted" aria-live="polite">${t.data?`${n.length} room${n.length===1?"":"s"} with people connected now. Updates as they come and go.`:""}</p>
    <${N} error=${t.error??o.error} />
    ${t.data===void 0&&!t.error?d`<div class="table-placeholder" aria-busy="true">Loading live rooms…</div>`:n.length===0?d`<${W}><p>Nobody is connected to any room right now. A room appears here as soon as someone connects to it (<code>GET /v1/connect?token=…</code>).</p><//>`:d`<ul class="rooms">
            ${n.map(r=>d`<li class="panel room" data-room=${r.id}>
                <h2><a href=${wt(r.id)}>${r.name}</a> <span class="muted">${r.customId}</span></h2>
                <${xt} participants=${s[r.id]} />
              </li>`)}
          </ul>`}
    ${t.data?.next_cursor?d`<p class="muted">Showing the first 200 live rooms.</p>`:null}
    <section aria-labelledby="all-rooms-title">
      <h2 id="all-rooms-title">All rooms</h2>
      ${o.data?.rooms?.length===0?d`<${W}><p>No rooms yet. Create one with <code>POST /v1/accounts/{id}/rooms</code>.</p><//>`:d`<ul class="room-links">
            ${(o.data?.rooms??[]).map(r=>d`<li><a href=${wt(r.id)}>${r.name}</a> <span class="muted">${r.customId}</span></li>`)}
          </ul>`}
      ${o.data?.next_cursor?d`<p class="muted">Showing the first 200 rooms.</p>`:null}
    </section>`}function Ct({api:e,id:t}){let o=E(()=>e.get(P`/rooms/${t}`),[e,t]),n=kt(e,[t]),s=E(()=>e.get(P`/rooms/${t}/recent-events?limit=30`),[e,t]);return A(()=>e.follow({room_id:t},()=>s.reload()),[e,t]),o.error?.status===404?d`<h1>Room not found</h1><${W}><p>It may have been deleted.</p><a href="#/rooms">All rooms</a><//>`:d`
    <p class="crumbs"><a href="#/rooms">Live rooms</a> ›</p>
    <h1>${o.data?.room.name??"Room"}</h1>
    <${N} error=${o.error??s.error} />
    <section class="panel" aria-labelledby="now-title">
      <h2 id="now-title">Connected now</h2>
      <${xt} participants=${n[t]} />
    </section>
    <section aria-labelledby="recent-title">
      <h2 id="recent-title">Recent events</h2>
      ${s.data?.events?.length===0?d`<${W}><p>Nothing has happened in this room yet.</p><//>`:d`<ol class="events" aria-label="Recent events, newest first">
            ${(s.data?.events??[]).map(r=>d`<li>
                <details>
                  <summary><span class="seq" title="Its number in the room (room_seq)">#${r.room_seq}</span>
                    <code>${r.event}</code> <span class="muted">${q(r.created_at)}</span>
                    ${r.payload.user?d` · ${r.payload.user.name}`:null}</summary>
                  <pre class="payload">${_e(JSON.stringify(r.payload))}</pre>
                </details>
              </li>`)}
          </ol>`}
    </section>`}var Te="collabkit.dashboard.credential";function Gt(){let[e,t]=$(location.hash||"#/");return A(()=>{let o=()=>t(location.hash||"#/");return window.addEventListener("hashchange",o),()=>window.removeEventListener("hashchange",o)},[]),e}function Yt(e){return e.replace(/^#\/?/,"").split("/").filter(Boolean).map(t=>{try{return decodeURIComponent(t)}catch{return null}})}function Et({what:e,list:t}){return d`<h1>Not a valid ${e} id</h1><${W}><p>The address names no ${e} this dashboard can show.</p>${t}<//>`}function Qt({onSignedIn:e,notice:t}){let[o,n]=$(""),[s,r]=$(""),[a,c]=$(null),[u,i]=$(!1);return d`
    <main class="signin" id="main">
      <form class="panel form" onSubmit=${async h=>{h.preventDefault(),i(!0),c(null);try{await _t(o.trim(),s.trim()),e({accountId:o.trim(),apiKey:s.trim()})}catch(l){c(l)}finally{i(!1)}}} aria-busy=${u}>
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
    </main>`}function Xt({credential:e,onSignOut:t}){let o=Gt(),n=le(()=>Ne(e.accountId,e.apiKey,()=>t("Your API key is no longer accepted (it may have been rotated). Sign in again.")),[e]),s=Yt(o),r=s[1],a,c="overview";s[0]==="webhooks"?(c="webhooks",r==="new"||r===void 0?a=d`<${vt} api=${n} creating=${r==="new"} />`:G(r)?a=d`<${gt} api=${n} id=${r} key=${r} />`:a=d`<${Et} what="webhook" list=${d`<a href="#/webhooks">All webhooks</a>`} />`):s[0]==="rooms"?(c="rooms",r===void 0?a=d`<${St} api=${n} />`:G(r)?a=d`<${Ct} api=${n} id=${r} key=${r} />`:a=d`<${Et} what="room" list=${d`<a href="#/rooms">All rooms</a>`} />`):a=d`<${yt} api=${n} />`,A(()=>{document.title=`${{overview:"Overview",webhooks:"Webhooks",rooms:"Live rooms"}[c]} \xB7 CollabKit`},[c]);let u=(i,_,h)=>d`<a href=${i} aria-current=${c===_?"page":void 0}>${h}</a>`;return d`
    <a class="skip" href="#main" onClick=${i=>{i.preventDefault(),document.getElementById("main").focus()}}>Skip to content</a>
    <header class="top">
      <span class="brand">CollabKit</span>
      <nav aria-label="Dashboard">
        ${u("#/","overview","Overview")}
        ${u("#/webhooks","webhooks","Webhooks")}
        ${u("#/rooms","rooms","Live rooms")}
      </nav>
      <span class="account"><span class="muted">Account</span> <code>${e.accountId}</code></span>
      <button type="button" class="secondary small" onClick=${()=>t()}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">${a}</main>`}function Zt(){let[e,t]=$(()=>{try{return JSON.parse(sessionStorage.getItem(Te))}catch{return null}}),[o,n]=$(null);return e?d`<${Xt} credential=${e} onSignOut=${s=>{sessionStorage.removeItem(Te),n(s??null),t(null)}} />`:d`<${Qt} notice=${o} onSignedIn=${s=>{sessionStorage.setItem(Te,JSON.stringify(s)),n(null),t(s)}} />`}var Pt=document.getElementById("app");Pt.textContent="";Ye(d`<${Zt} />`,Pt);
